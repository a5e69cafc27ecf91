/** 简体中文：设置。 */
import type en from '../en/settings.js';

export default {
  'settings.title': '设置',
  'settings.language': '语言',
  'settings.me': '你',
  'settings.name': '你的名字',
  'settings.nameHint': '用于今后新建或加入的账本。在已加入的账本里，成员看到的是你加入时用的名字（账本里的记录无法改名）。',
  'settings.renamed': '名字已修改。',
  'settings.key': '你的公钥',
  'settings.network': '网络',
  'settings.signaling': '新账本使用的信令服务器',
  'settings.signalingHint': '留空：使用本应用自己的服务器（{url}）。已加入的账本继续使用邀请里的服务器。',
  'settings.ice': 'ICE 服务器（STUN/TURN），每行一个',
  'settings.iceHint': '局域网里不需要。例如：stun:stun.example.org:3478 或 turn:turn.example.org:3478 用户名 密码',
  'settings.saved': '设置已保存，对之后打开的账本生效。',
  'settings.storage': '本机存储',
  'settings.persisted': '浏览器已承诺在这台设备上保留你的账本。',
  'settings.notPersisted': '空间不足或长时间不用时，浏览器可能会清除你的账本：请保留备份。',
  'settings.unknown': '存储状态未知。',
  'settings.used': '已用 {used}，共 {quota}。',
  'settings.persist': '请浏览器保留我的账本',
  'settings.install': '把应用安装到这台设备',
  'settings.check': '核对账本文件（供审核人和老师使用）',
  'settings.restore': '恢复密钥备份',
} satisfies Record<keyof typeof en, string>;
