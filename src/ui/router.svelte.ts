/**
 * Screens by URL fragment, so the back button, reloads and shared links work without a server
 * route (the app is static files; the fragment never reaches a server). Invites are fragments too
 * (`#join&book=…`, src/net/invite.ts).
 *
 *   #/                          books on this device
 *   #/new                       create a book
 *   #/b/<book>                  book home
 *   #/b/<book>/record[/<kind>]  record an entry
 *   #/b/<book>/journal          journal
 *   #/b/<book>/e/<entry id>     entry detail (the proof)
 *   #/b/<book>/members | audit | backup | charts | invite
 *   #/b/<book>/class            the class screen (join QR, who joined, new lesson)
 *   #/b/<book>/projector        the projector view of a class book
 *   #/b/<book>/lab              the cheat lab (a student's phone)
 *   #/settings  #/check  #/restore  #/class (start a class)
 *   #join&book=…&secret=…&signal=…   an invite
 */

const HEX64 = /^[0-9a-f]{64}$/;

export type BookScreen = 'home' | 'record' | 'journal' | 'members' | 'audit' | 'backup' | 'charts' | 'invite' | 'class' | 'projector' | 'lab';

export type Route =
  | { readonly name: 'books' }
  | { readonly name: 'new-book' }
  | { readonly name: 'settings' }
  | { readonly name: 'check' }
  | { readonly name: 'restore' }
  | { readonly name: 'class-start' }
  | { readonly name: 'join'; readonly invite: string }
  | { readonly name: BookScreen; readonly book: string; readonly kind?: string }
  | { readonly name: 'entry'; readonly book: string; readonly id: string }
  | { readonly name: 'not-found'; readonly hash: string };

const BOOK_SCREENS: ReadonlySet<string> = new Set(['record', 'journal', 'members', 'audit', 'backup', 'charts', 'invite', 'class', 'projector', 'lab']);

/** The route of a location hash ("#/b/…"); pure, for tests. */
export function parseRoute(hash: string): Route {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (h.startsWith('join&')) return { name: 'join', invite: h };
  const parts = h.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { name: 'books' };
  const [first, book, screen, arg] = parts;
  if (parts.length === 1 && first === 'class') return { name: 'class-start' };
  if (parts.length === 1 && (first === 'new' || first === 'settings' || first === 'check' || first === 'restore')) {
    return { name: first === 'new' ? 'new-book' : first };
  }
  if (first === 'b' && book !== undefined && HEX64.test(book)) {
    if (screen === undefined) return { name: 'home', book };
    if (screen === 'e' && arg !== undefined && HEX64.test(arg)) return { name: 'entry', book, id: arg };
    if (BOOK_SCREENS.has(screen) && (arg === undefined || screen === 'record')) {
      return arg === undefined ? { name: screen as BookScreen, book } : { name: screen as BookScreen, book, kind: decodeURIComponent(arg) };
    }
  }
  return { name: 'not-found', hash: h.slice(0, 200) };
}

/** The fragment of a route (inverse of parseRoute for the app's own routes). */
export function href(route: Route): string {
  switch (route.name) {
    case 'books':
      return '#/';
    case 'new-book':
      return '#/new';
    case 'class-start':
      return '#/class';
    case 'settings':
    case 'check':
    case 'restore':
      return `#/${route.name}`;
    case 'join':
      return `#${route.invite}`;
    case 'entry':
      return `#/b/${route.book}/e/${route.id}`;
    case 'home':
      return `#/b/${route.book}`;
    case 'not-found':
      return '#/';
    default:
      return `#/b/${route.book}/${route.name}${route.kind !== undefined ? `/${encodeURIComponent(route.kind)}` : ''}`;
  }
}

/** The current route, following the location's fragment. */
export class Router {
  route = $state<Route>({ name: 'books' });

  constructor() {
    if (typeof window === 'undefined') return;
    this.route = parseRoute(window.location.hash);
    window.addEventListener('hashchange', () => {
      this.route = parseRoute(window.location.hash);
    });
  }

  go(route: Route): void {
    const h = href(route);
    if (window.location.hash === h) this.route = parseRoute(h);
    else window.location.hash = h;
  }

  /** Replaces the current history entry (after handling an invite, so Back does not re-join). */
  replace(route: Route): void {
    history.replaceState(null, '', href(route));
    this.route = route;
  }
}
