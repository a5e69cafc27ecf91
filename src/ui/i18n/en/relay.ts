/** English: the loudspeaker (relay) — its line on the home screen and its list in Settings. */
export default {
  'relay.never': 'Not yet on the loudspeaker: this book has not reached a relay yet.',
  'relay.met': 'Last met the loudspeaker: {when}.',
  'relay.safe': 'Every entry in your copy is safe on the loudspeaker.',
  'relay.pending': '{n} entries of your copy have not reached the loudspeaker yet.',
  'relay.offline': 'The loudspeaker cannot be reached right now; your book is safe on this device.',
  'relays.title': 'Loudspeakers (relays)',
  'relays.hint': 'A loudspeaker keeps your books\' sealed entries for members who are not online at the same time. It cannot read them. Default: the server this app came from.',
  'relays.none': 'No loudspeaker: books meet only while members are online together.',
  'relays.add': 'Add',
  'relays.remove': 'Remove',
  'relays.removeLabel': 'Remove the loudspeaker {url}',
  'relays.addLabel': 'Address of a loudspeaker (ws://…/relay)',
  'relays.badScheme': 'A loudspeaker address starts with ws:// or wss://',
  'relays.notUrl': 'This is not an address (example: ws://192.168.1.10:8080/relay)',
  'relays.added': 'Loudspeaker added. It applies to books opened from now on.',
  'relays.default': 'Use this app\'s server',
} as const;
