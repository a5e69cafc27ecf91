/**
 * Signaling fan-out across instances through Redis pub/sub (issue 14 item 5): several signaling
 * servers behind one name share topics. Each instance SUBSCRIBEs to `vl:signal:<topic>` while it
 * has a local subscriber of the topic and PUBLISHes every local publish there; what arrives from
 * other instances is relayed to the local subscribers (signaling.ts). Optional: `--redis URL`
 * (main.ts); without it signaling stays in-process.
 *
 * Payload: `<instance id> <received text>`; an instance ignores its own messages (Redis delivers
 * a PUBLISH to the publisher's own subscription too).
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { SignalingBus, SignalingLogger } from './signaling.js';

export const CHANNEL_PREFIX = 'vl:signal:';

export interface RedisBus extends SignalingBus {
  /** Resolves once both connections are ready. */
  readonly ready: Promise<void>;
  /** Disconnect from Redis. */
  close(): Promise<void>;
}

/** A bus on the Redis server at `url` (`redis://host:port`). */
export function createRedisBus(url: string, log?: SignalingLogger): RedisBus {
  const id = randomBytes(8).toString('hex');
  // Publishes are dropped while Redis is away (signaling is retried by clients anyway) instead of
  // queued without bound; subscriptions are queued (one per topic) and restored on reconnect.
  const pub = createClient({ url, disableOfflineQueue: true });
  const sub = createClient({ url });
  let lastError = 0;
  const onError = (err: Error) => {
    // node-redis reconnects by itself; one line per 10 s at most while Redis is away.
    const t = Date.now();
    if (t - lastError < 10_000) return;
    lastError = t;
    log?.({ t: new Date(t).toISOString(), ev: 'error', where: 'redis', error: err.name, message: err.message });
  };
  pub.on('error', onError);
  sub.on('error', onError);
  let handler: ((topic: string, text: string) => void) | undefined;
  const ready = Promise.all([pub.connect(), sub.connect()]).then(() => undefined);
  ready.catch(onError);
  // Before `ready`, commands are queued by node-redis; failures are logged, never thrown.
  const quiet = (p: Promise<unknown>) => {
    p.catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  };
  const listener = (message: string, channel: string) => {
    const space = message.indexOf(' ');
    if (space < 0 || message.slice(0, space) === id) return;
    handler?.(channel.slice(CHANNEL_PREFIX.length), message.slice(space + 1));
  };
  return {
    ready,
    onMessage(h) {
      handler = h;
    },
    subscribe(topic) {
      quiet(sub.subscribe(CHANNEL_PREFIX + topic, listener));
    },
    unsubscribe(topic) {
      quiet(sub.unsubscribe(CHANNEL_PREFIX + topic, listener));
    },
    publish(topic, text) {
      quiet(pub.publish(CHANNEL_PREFIX + topic, `${id} ${text}`));
    },
    async close() {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}
