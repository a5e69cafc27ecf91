/** 课堂的中文文字 (screens/Classroom.svelte)。 */
import type en from '../en/class.js';

export default {
  'class.startTitle': '开始上课',
  'class.startIntro': '在这台电脑上建一本课堂账本，任何人扫二维码就能加入：每个学生的手机都保存自己的一份，检查每一条记录并记下来。每节课新建一本。',
  'class.lessonName': '这节课的名称',
  'class.defaultName': '{date} 的课',
  'class.start': '开始上课',
  'class.loopback': '这个页面打开的地址只有这台电脑能访问，手机用不了它的二维码。请在这台电脑上打开终端显示的“On the local network”地址（http://…），再在那里开始上课。',
  'class.qr': '加入“{name}”的二维码',
  'class.scan': '同学们：用手机相机扫这个二维码，再填一个名字。不需要上网：手机和这台电脑连同一个 Wi-Fi 就行。',
  'class.link': '加入链接',
  'class.joined': '已加入：{n} 人',
  'class.teacher': '这台电脑',
  'class.online': '在线',
  'class.offline': '不在线',
  'class.newLesson': '新的一课',
  'books.startClass': '开始上课',
} satisfies Record<keyof typeof en, string>;
