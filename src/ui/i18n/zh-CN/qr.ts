/** 简体中文：二维码组件（生成与扫描）的文字。 */
import type en from '../en/qr.js';

export default {
  'qr.drawing': '正在生成二维码…',
  'qr.tooLong': '内容太长（{n} 个字符），放不进二维码。请改为发送链接。',
  'qr.drawError': '二维码生成失败（{message}）。请改为发送链接。',
  'qr.start': '用相机扫码',
  'qr.stop': '关闭相机',
  'qr.starting': '正在打开相机…如果浏览器询问，请允许使用相机。',
  'qr.scanning': '请把相机对准二维码，手机保持不动，距离大约一只手掌长。',
  'qr.video': '相机画面',
  'qr.insecure': '只有安全网页（以 https:// 开头的网址，或本机自己的地址）才能使用相机。当前网页是普通的 http://，请在下面粘贴链接：可以请对方用消息把链接发给您。',
  'qr.unsupported': '这个浏览器无法使用相机。请在下面粘贴链接。',
  'qr.denied': '此网页的相机权限已被禁止。请在浏览器的网站设置中允许（点地址栏旁边的图标），然后再点“用相机扫码”；也可以在下面粘贴链接。',
  'qr.noCamera': '这台设备上没有找到相机。请在下面粘贴链接。',
  'qr.busy': '无法打开相机，可能有其他应用正在使用。请关闭那个应用后重试，或在下面粘贴链接。',
  'qr.error': '相机无法启动（{message}）。请在下面粘贴链接。',
  'qr.read': '已读取二维码。',
  'qr.pasteLabel': '或者粘贴链接',
  'qr.use': '使用这个链接',
  'qr.pasteEmpty': '输入框是空的：请先粘贴链接（在输入框里长按，然后选“粘贴”）。',
} satisfies Record<keyof typeof en, string>;
