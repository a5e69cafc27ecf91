/** 简体中文：余额图表。 */
import type en from '../en/charts.js';

export default {
  'charts.title': '图表',
  'charts.unit': '单位',
  'charts.mine': '我的余额变化',
  'charts.mineHint': '高于零表示别人欠你，低于零表示你欠别人。',
  'charts.fund': '基金余额变化',
  'charts.whichFund': '基金',
  'charts.fundHint': '基金的现金和自有资金合计，正负号与账本一致：低于零表示基金手里的钱是欠成员的（他们的存款）；高于零表示成员欠基金的多于基金手里的钱。',
  'charts.noFunds': '这本账还没有基金。',
  'charts.noData': '这个余额还没有任何变动。',
  'charts.loading': '正在绘制…',
  'charts.error': '无法读取余额：{message}',
  'charts.summary': '{what}，{from} 至 {to}：起始 {start}，现在 {end}；最低 {min}，最高 {max}。',
  'charts.showTable': '以表格显示',
  'charts.hideTable': '隐藏表格',
  'charts.date': '日期（点击查看记录）',
  'charts.balance': '余额',
  'charts.tableCaption': '{what}，每次变动一行',
  'charts.more': '只列出最近的 {n} 次变动。',
  'charts.noIdentity': '本机没有你的密钥，所以没有你的余额可以显示。',
} satisfies Record<keyof typeof en, string>;
