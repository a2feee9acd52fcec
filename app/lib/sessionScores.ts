// The session check's ZSCORE, on every authenticated request (README "Performance"). Those of
// one turn of the event loop go out as one pipeline, one socket write (app/lib/turnBatch.ts).
// A lone one, and every one on a Redis Cluster (whose pipelines must stay within one slot),
// is a plain command.
import { Application } from 'egg';
import { TurnBatch } from './turnBatch';

type Pair = [ key: string, member: string ];

async function scores(app: Application, pairs: Pair[]): Promise<Array<string | null>> {
  // Read at each batch: the app's client, whatever it is now.
  const { redis } = app;
  if (pairs.length === 1 || (redis as { isCluster?: boolean }).isCluster) {
    return Promise.all(pairs.map(([ key, member ]) => redis.zscore(key, member)));
  }
  const pipeline = redis.pipeline();
  for (const [ key, member ] of pairs) pipeline.zscore(key, member);
  const results = await pipeline.exec();
  return results.map(([ err, score ]) => {
    if (err) throw err;
    return score as string | null;
  });
}

const batches = new WeakMap<Application, TurnBatch<string, string | null>>();

/** ZSCORE key member, batched with the others of this turn. */
export function sessionScore(app: Application, key: string, member: string): Promise<string | null> {
  let batch = batches.get(app);
  if (!batch) {
    // Batched by "key\nmember"; a session key (prefix and user id) holds no line break.
    const pair = (id: string): Pair => [ id.slice(0, id.indexOf('\n')), id.slice(id.indexOf('\n') + 1) ];
    batches.set(app, batch = new TurnBatch(keys => scores(app, keys.map(pair))));
  }
  return batch.get(`${key}\n${member}`);
}

/**
 * True while the user's session `sid` has been neither revoked nor expired (its score is when it
 * opened, in µs). The one liveness check of the HTTP auth (app/service/session.ts) and the sockets.
 */
export async function isSessionLive(app: Application, uid: number, sid: string): Promise<boolean> {
  const openedAtMicros = await sessionScore(app, app.config.im.session.keyPrefix + uid, sid);
  const ttlMs = app.config.im.token.ttlSeconds * 1000;
  return openedAtMicros !== null && Number(openedAtMicros) / 1000 + ttlMs > Date.now();
}
