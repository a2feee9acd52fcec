// handleapply agree (and autoAddFriendAndAgree) store the "我们已经是好友了" notices inside the
// friendship's transaction. Every read of that work must run on the transaction's own pooled
// connection: a second connection taken from the pool while the transaction holds one waits for
// ever once every connection of the pool is held that way, and those requests answered 503 after
// the 3 s acquire timeout (docs/performance.md, the apply+agree cycle of 2026-12-07).
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { assertOk } from '../../helpers';
import { keepTestServerListening } from '../hardening/support';
import { apply, applicationRow, execute, handle, Member, members, pairRowCount, post } from './support';

type Manager = { getConnection: (...args: unknown[]) => Promise<unknown>; releaseConnection: (...args: unknown[]) => Promise<void> };

/** The most pooled connections the app held at once while `work` ran. */
async function peakConnections(work: () => Promise<unknown>): Promise<number> {
  const manager = app.model.connectionManager as unknown as Manager;
  const { getConnection, releaseConnection } = manager;
  let held = 0;
  let peak = 0;
  manager.getConnection = async (...args) => {
    const connection = await getConnection.apply(manager, args);
    peak = Math.max(peak, ++held);
    return connection;
  };
  manager.releaseConnection = (...args) => {
    held--;
    return releaseConnection.apply(manager, args);
  };
  try {
    await work();
  } finally {
    Object.assign(manager, { getConnection, releaseConnection });
  }
  return peak;
}

async function applied(pairs: Array<[ Member, Member ]>): Promise<number[]> {
  const ids: number[] = [];
  for (const [ a, b ] of pairs) {
    assertOk(await apply(a, b.id));
    ids.push((await applicationRow(a.id, b.id))!.id);
  }
  return ids;
}

describe('friends: an agree holds one pooled connection', () => {
  keepTestServerListening();

  it('applyfriend, handleapply agree and autoAddFriendAndAgree hold at most one connection at a time', async () => {
    const [ a, b, c, d ] = await members([ 'pool0001', 'pool0002', 'pool0003', 'pool0004' ]);
    // d lets anyone add them (autoAddFriendAndAgree).
    await execute('UPDATE `user` SET invite_confirm = 0 WHERE id = :id', { id: d.id });
    assert.equal(await peakConnections(async () => assertOk(await apply(a, b.id))), 1, 'applyfriend');
    const { id } = (await applicationRow(a.id, b.id))!;
    assert.equal(await peakConnections(async () => assertOk(await handle(b, id, 'agree'))), 1, 'handleapply agree');
    assert.equal(await pairRowCount(a.id, b.id), 2);
    assert.equal(await peakConnections(async () => assertOk(await post('/api/chat/autoAddFriendAndAgree', c.token, { friend_id: d.id }))), 1,
      'autoAddFriendAndAgree');
    assert.equal(await pairRowCount(c.id, d.id), 2);
  });

  it('more agrees at once than the pool has connections: every one 200', async () => {
    const count = 2 * app.model.options.pool!.max!;
    const users = await members(Array.from({ length: 2 * count }, (_, i) => `burst${String(i).padStart(3, '0')}`));
    const pairs = Array.from({ length: count }, (_, i) => [ users[2 * i], users[2 * i + 1] ] as [ Member, Member ]);
    const ids = await applied(pairs);
    const answers = await Promise.all(pairs.map(([ , b ], i) => handle(b, ids[i], 'agree')));
    assert.deepEqual(answers.map(res => res.status), Array(count).fill(200), JSON.stringify(answers.filter(res => res.status !== 200).map(res => res.body)));
    for (const [ a, b ] of pairs) assert.equal(await pairRowCount(a.id, b.id), 2);
  });
});
