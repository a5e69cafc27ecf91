/** 简体中文：各类记录的名称（流水、记录详情、首页等共用）。 */
import type en from '../en/kinds.js';

export default {
  'kind.book/open': '建立账本',
  'kind.member/join': '加入账本',
  'kind.member/admit': '批准加入',
  'kind.note': '备注',
  'kind.loan': '借款',
  'kind.repay': '还款',
  'kind.payment': '代付',
  'kind.gift': '赠送',
  'kind.expense': '分摊开支',
  'kind.fund/open': '设立基金',
  'kind.fund/deposit': '存款',
  'kind.fund/loan': '基金借款',
  'kind.fund/fine': '罚款',
  'kind.fund/repay': '向基金还款',
  'kind.fund/payout': '基金支出补助',
  'kind.fund/contribute': '向基金捐助',
  'kind.fund/spend': '基金开支',
  'kind.fund/shareout': '分红结算',
  'kind.confirm': '确认',
  'kind.dispute': '提出异议',
  'kind.reverse': '撤销',
  'kind.attest': '文件存证',
  'kind.member/remove': '移除成员',
  'kind.member/role': '管理员变更',
} satisfies Record<keyof typeof en, string>;
