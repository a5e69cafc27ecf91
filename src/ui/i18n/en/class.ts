/** English messages of the classroom (screens/Classroom.svelte). */
export default {
  'class.startTitle': 'Start a class',
  'class.startIntro': 'Makes a class book on this computer that anyone can join by scanning its QR code: every student’s phone keeps its own copy, checks every entry and writes it down. Start a new one for each lesson.',
  'class.lessonName': 'Name of the lesson',
  'class.defaultName': 'Class of {date}',
  'class.start': 'Start a class',
  'class.loopback': 'This page is open at an address only this computer can reach, so phones cannot use its QR code. Open the “On the local network” address that the terminal printed (http://…) on this computer, then start the class there.',
  'class.qr': 'QR code to join {name}',
  'class.scan': 'Students: scan this code with the phone camera and choose a name. No internet is needed: phones and this computer only need the same Wi-Fi.',
  'class.link': 'Join link',
  'class.joined': 'Joined: {n}',
  'class.teacher': 'this computer',
  'class.online': 'here now',
  'class.offline': 'not here now',
  'class.newLesson': 'New lesson',
  'books.startClass': 'Start a class',
} as const;
