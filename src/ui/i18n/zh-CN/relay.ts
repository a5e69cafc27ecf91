/** 简体中文：大喇叭（中继）——首页上的一行字和设置里的列表。 */
import type en from '../en/relay.js';

export default {
  'relay.never': '还没有放到大喇叭上：这本账还没有到达中继。',
  'relay.met': '上次连上大喇叭：{when}。',
  'relay.safe': '您这份账里的每一条记录都已安全地放在大喇叭上。',
  'relay.pending': '您这份账里有 {n} 条记录还没有到达大喇叭。',
  'relay.offline': '现在连不上大喇叭；您的账安全地保存在这台设备上。',
  'relay.problem': '大喇叭：{why}',
  'relays.title': '大喇叭（中继）',
  'relays.hint': '大喇叭为不同时在线的成员保存账本里加密的记录，它自己读不懂这些记录。默认：提供这个应用的服务器。',
  'relays.none': '没有大喇叭：只有成员同时在线时，账本才会互相同步。',
  'relays.add': '添加',
  'relays.remove': '删除',
  'relays.removeLabel': '删除大喇叭 {url}',
  'relays.addLabel': '大喇叭的地址（ws://…/relay）',
  'relays.badScheme': '大喇叭的地址以 ws:// 或 wss:// 开头',
  'relays.notUrl': '这不是一个地址（例如：ws://192.168.1.10:8080/relay）',
  'relays.added': '已添加大喇叭。从现在起打开的账本会使用它。',
  'relays.default': '使用这个应用的服务器',
} satisfies Record<keyof typeof en, string>;
