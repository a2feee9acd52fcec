// The send path's group commit (app/lib/messaging/sendBatch.ts) over HTTP and WebSocket: sends
// that share a batch keep every promise of sendmessage (each 200 committed and delivered once in
// seq order, the stranger rule counted across the batch, a failing send fails alone).
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { QueryTypes, Transaction } from 'sequelize';
import { SendJob } from '../../../app/lib/messaging/sendBatch';
import { pairOf } from '../../../app/repository/messages';
import * as pooledQuery from '../../../app/lib/pooledQuery';
import { assertFail } from '../../helpers';
import { befriend, blacklist, call, connect, listen, sendMessage, setSendCount, sleep, textBody, user } from './support';
import { makeGroup, sendGroup } from '../groups/messageSupport';

/** The batches the app's batcher stores (job counts), recorded while `work` runs; forces one batch in flight. */
async function recordBatches<T>(work: (sizes: number[]) => Promise<T>, options: { maxInFlight?: number; maxWaitMs?: number } = {}): Promise<{ sizes: number[]; result: T }> {
  const batcher = app.sendBatcher as any;
  const sizes: number[] = [];
  const store = batcher.store.bind(batcher);
  const bounds = batcher.commits.options;
  const saved = { ...bounds };
  Object.assign(bounds, { maxInFlight: options.maxInFlight ?? bounds.maxInFlight, maxWaitMs: options.maxWaitMs ?? bounds.maxWaitMs });
  batcher.store = (jobs: SendJob[]) => { sizes.push(jobs.length); return store(jobs); };
  try {
    return { sizes, result: await work(sizes) };
  } finally {
    delete batcher.store;
    Object.assign(bounds, saved);
  }
}

/** Sends queued at the batcher (not yet in a batch). */
const queued = () => (app.sendBatcher as any).commits.queue.length as number;

async function until(condition: () => boolean, what: string, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Holds the pair's conversation row lock from a connection of the test until release(). */
async function holdConversation(x: number, y: number) {
  const [ a, b ] = pairOf(x, y);
  const transaction = await app.model.transaction();
  await app.model.query('SELECT id FROM conversation WHERE user_a = :a AND user_b = :b FOR UPDATE', { replacements: { a, b }, transaction });
  return { release: () => transaction.rollback(), transaction: transaction as Transaction };
}

/** Statements of this test's database that touch the conversation table and are running now (a wait for a row lock shows as one). */
async function conversationStatements(): Promise<number> {
  const [ row ] = await app.model.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ' +
    'COMMAND IN (\'Query\', \'Execute\') AND INFO LIKE \'%conversation%\' AND INFO NOT LIKE \'%PROCESSLIST%\'', { type: QueryTypes.SELECT }) as Array<{ n: number }>;
  return Number(row.n);
}

describe('sendmessage batched (group commit)', function() {
  this.timeout(60000);
  const server = listen();
  afterEach(() => mm.restore());

  /** `n` friend pairs with a first message each (their conversations exist). */
  async function pairs(n: number, prefix: string) {
    const made = [];
    for (let i = 0; i < n; i++) {
      const from = await user(`${prefix}f${i}`);
      const to = await user(`${prefix}t${i}`);
      await befriend(from.id, to.id);
      const first = await sendMessage(server.base, from.token, textBody(to.id, 'hello'));
      assert.equal(first.status, 200);
      made.push({ from, to });
    }
    return made;
  }

  it('a batch in which one conversation is locked (lock wait timeout): only that send fails (503, nothing stored or delivered), the others of its batch answer 200 and are delivered once', async () => {
    const [ pacer, locked, ...others ] = await pairs(6, 'bl');
    const lockedSocket = await connect(server.port, locked.to.token);
    const otherSockets = await Promise.all(others.map(pair => connect(server.port, pair.to.token)));
    await lockedSocket.received(1);
    await Promise.all(otherSockets.map(socket => socket.received(1)));
    const pacerHold = await holdConversation(pacer.from.id, pacer.to.id);
    const lockedHold = await holdConversation(locked.from.id, locked.to.id);
    const { sizes, result } = await recordBatches(async () => {
      // The pacer's batch waits on its lock; the sends behind it queue for the next batch.
      const pacerSend = sendMessage(server.base, pacer.from.token, textBody(pacer.to.id, 'pacer'));
      await until(() => (app.sendBatcher as any).commits.running === 1, 'the pacer in flight');
      const lockedSend = sendMessage(server.base, locked.from.token, textBody(locked.to.id, 'behind a lock'));
      await until(() => queued() === 1, 'the locked send queued');
      const otherSends = others.map((pair, i) => sendMessage(server.base, pair.from.token, textBody(pair.to.id, `other ${i}`)));
      await until(() => queued() === 1 + others.length, 'every send queued');
      await pacerHold.release();
      const answers = await Promise.all([ pacerSend, lockedSend, ...otherSends ]);
      return answers;
    }, { maxInFlight: 1, maxWaitMs: 60000 });
    await lockedHold.release();
    const [ pacerAnswer, lockedAnswer, ...otherAnswers ] = result;
    assert.equal(pacerAnswer.status, 200);
    assert.deepEqual([ lockedAnswer.status, lockedAnswer.body ], [ 503, { msg: 'fail', data: '服务暂不可用，请稍后再试' }]);
    assert.deepEqual(otherAnswers.map(answer => answer.status), others.map(() => 200));
    // The pacer alone (twice when its first lock wait timed out before the test released it:
    // the one retry of a lone send), then the batch [locked, ...others] failed as a whole,
    // then each send went alone.
    const shared = sizes.indexOf(1 + others.length);
    assert.ok(shared >= 1 && sizes.every((size, i) => i === shared || size === 1), JSON.stringify(sizes));
    assert.ok(sizes.length - shared - 1 >= 1 + others.length, JSON.stringify(sizes));
    await Promise.all(otherSockets.map(socket => socket.received(2)));
    await sleep(300);
    otherSockets.forEach((socket, i) => {
      assert.deepEqual(socket.of().map(frame => frame.data.seq), [ 1, 2 ]);
      assert.equal(socket.of()[1].data.id, otherAnswers[i].body.data.id);
    });
    assert.equal(lockedSocket.of().length, 1, 'nothing of the failed send is delivered');
    const [ a, b ] = pairOf(locked.from.id, locked.to.id);
    const conversation = await app.model.Conversation.findOne({ where: { user_a: a, user_b: b }, raw: true }) as any;
    assert.equal(conversation.last_seq, 1);
    assert.equal(await app.model.Message.count({ where: { conversation_id: conversation.id } }), 1);
    // The conversation takes its next seq as if the failed send never was.
    const next = await sendMessage(server.base, locked.from.token, textBody(locked.to.id, 'after'));
    assert.equal(next.body.data.seq, 2);
    await lockedSocket.received(2);
    for (const socket of [ lockedSocket, ...otherSockets ]) socket.close();
  });

  // Another process's batch, or any transaction, locks conversations in the one global order
  // (pairs by key): a batch must too, whatever its sends' reads found. Here the other
  // transaction holds the lower pair (an existing row locked, or a new row inserted and not
  // committed, so the batch's read finds no conversation) and then locks the higher pair: a
  // batch that took the higher pair first (found by id) would now wait for it in a cycle.
  for (const lowIsNew of [ false, true ]) {
    it(`a batch locks its conversations in key order whatever its reads found (the lower pair ${lowIsNew ? 'new, being inserted' : 'existing'} and held by another transaction): no deadlock, both sends in one batch answer 200`, async () => {
      const tag = lowIsNew ? 'ln' : 'le';
      const [ pacer ] = await pairs(1, `${tag}p`);
      const low = { from: await user(`${tag}lf`), to: await user(`${tag}lt`) };
      const high = { from: await user(`${tag}hf`), to: await user(`${tag}ht`) };
      await befriend(low.from.id, low.to.id);
      await befriend(high.from.id, high.to.id);
      if (!lowIsNew) assert.equal((await sendMessage(server.base, low.from.token, textBody(low.to.id, 'first'))).status, 200);
      assert.equal((await sendMessage(server.base, high.from.token, textBody(high.to.id, 'first'))).status, 200);
      const [ la, lb ] = pairOf(low.from.id, low.to.id);
      const [ ha, hb ] = pairOf(high.from.id, high.to.id);
      assert.ok(la < ha, 'the low pair sorts first');
      const other = await app.model.transaction();
      try {
        if (lowIsNew) {
          await app.model.query('INSERT INTO conversation (chat_type, user_a, user_b, last_seq, sent_a, sent_b, create_time, update_time) ' +
            'VALUES (1, :a, :b, 0, 0, 0, NOW(3), NOW(3))', { replacements: { a: la, b: lb }, transaction: other });
        } else {
          await app.model.query('SELECT id FROM conversation WHERE user_a = :a AND user_b = :b FOR UPDATE', { replacements: { a: la, b: lb }, transaction: other });
        }
        const pacerHold = await holdConversation(pacer.from.id, pacer.to.id);
        const { sizes, result } = await recordBatches(async () => {
          const pacerSend = sendMessage(server.base, pacer.from.token, textBody(pacer.to.id, 'pacer'));
          await until(() => (app.sendBatcher as any).commits.running === 1, 'the pacer in flight');
          const sends = [ sendMessage(server.base, low.from.token, textBody(low.to.id, 'low')), sendMessage(server.base, high.from.token, textBody(high.to.id, 'high')) ];
          await until(() => queued() === 2, 'both sends queued');
          await pacerHold.release();
          const pacerAnswer = await pacerSend;
          // The batch [low, high] waits for the other transaction's lock on the low pair (the
          // lock statement, or the new pair's insert, is seen running)…
          const deadline = Date.now() + 10000;
          while (await conversationStatements() === 0) {
            assert.ok(Date.now() < deadline, 'the batch waits for the low pair');
            await sleep(2);
          }
          // …which now takes the high pair: free, since the batch locks the low pair first.
          await app.model.query('SELECT id FROM conversation WHERE user_a = :a AND user_b = :b FOR UPDATE', { replacements: { a: ha, b: hb }, transaction: other });
          await other.commit();
          return [ pacerAnswer, ...(await Promise.all(sends)) ];
        }, { maxInFlight: 1, maxWaitMs: 60000 });
        assert.deepEqual(result.map(answer => answer.status), [ 200, 200, 200 ], JSON.stringify(result.map(answer => answer.body)));
        assert.deepEqual(sizes, [ 1, 2 ], 'one batch for both, not run again alone');
        assert.deepEqual(result.slice(1).map(answer => answer.body.data.seq), [ lowIsNew ? 1 : 2, 2 ]);
      } finally {
        if (!(other as any).finished) await other.rollback();
      }
    });
  }

  it('sends sharing batches across pairs, both directions and a group: every 200 delivered once per session in seq order, counters and ids right', async () => {
    const people = await Promise.all(Array.from({ length: 6 }, (_, i) => user(`bm${i}`)));
    for (let i = 0; i < people.length; i++) for (let j = i + 1; j < people.length; j++) await befriend(people[i].id, people[j].id);
    const group = await makeGroup(people[0], people.slice(1), 'batch');
    const sockets = await Promise.all(people.map(person => connect(server.port, person.token)));
    await Promise.all(sockets.map(socket => socket.received(1))); // the group's creation notice
    const plan: Array<{ from: number; to: number; group?: boolean }> = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < people.length; i++) {
        plan.push({ from: i, to: (i + 1 + round % (people.length - 1)) % people.length });
        if (round % 2 === 0) plan.push({ from: i, to: -1, group: true });
      }
    }
    const { sizes, result } = await recordBatches(() => Promise.all(plan.map((step, k) => (step.group ?
      sendGroup(server.base, people[step.from].token, group.id, `g${k}`, { client_msg_id: `g-${k}` }) :
      sendMessage(server.base, people[step.from].token, textBody(people[step.to].id, `m${k}`, { client_msg_id: `m-${k}` }))))));
    assert.ok(result.every(answer => answer.status === 200), JSON.stringify(result.filter(answer => answer.status !== 200).map(a => a.body)));
    assert.ok(sizes.some(size => size > 1), `some sends shared a batch: ${JSON.stringify(sizes)}`);
    const ids = result.map(answer => String(answer.body.data.id));
    assert.equal(new Set(ids).size, ids.length, 'one message per send');
    // Each id is its row: the multi-row INSERT's ids read back right.
    const rows = await app.model.Message.findAll({ where: { id: ids }, raw: true }) as any[];
    const byId = new Map(rows.map(row => [ String(row.id), row ]));
    result.forEach((answer, k) => {
      const row = byId.get(String(answer.body.data.id));
      assert.equal(JSON.parse(row.data).data, plan[k].group ? `g${k}` : `m${k}`);
      assert.equal(row.seq, answer.body.data.seq);
    });
    // Every recipient: each message meant for it exactly once, in seq order per conversation.
    await sleep(300);
    for (let p = 0; p < people.length; p++) {
      const expected = result.filter((_, k) => (plan[k].group ? plan[k].from !== p : plan[k].to === p)).map(answer => String(answer.body.data.id));
      const frames = () => sockets[p].of().filter(frame => frame.data.type !== 'systemNotice');
      await sockets[p].until(() => frames().length >= expected.length, `${expected.length} messages for ${p}`);
      assert.deepEqual(frames().map(frame => String(frame.data.id)).sort(), [ ...expected ].sort(), `person ${p}`);
      const seqs = new Map<string, number[]>();
      for (const frame of frames()) {
        const key = frame.data.chatType === 'group' ? 'group' : String(frame.data.from_id);
        seqs.set(key, [ ...(seqs.get(key) ?? []), frame.data.seq ]);
      }
      for (const [ key, list ] of seqs) assert.deepEqual(list, [ ...list ].sort((x, y) => x - y), `seq order of ${key} for ${p}`);
    }
    // The conversations moved on: last_seq and the senders' counts are those of their messages.
    const conversations = await app.model.Conversation.findAll({ where: { chat_type: 1 }, raw: true }) as any[];
    for (const conversation of conversations) {
      const messages = await app.model.Message.findAll({ where: { conversation_id: conversation.id }, raw: true }) as any[];
      assert.equal(conversation.last_seq, messages.length);
      assert.equal(conversation.sent_a, messages.filter(m => m.from_id === conversation.user_a).length);
      assert.equal(conversation.sent_b, messages.filter(m => m.from_id === conversation.user_b).length);
      assert.deepEqual(messages.map(m => m.seq).sort((x, y) => x - y), messages.map((_, i) => i + 1));
    }
    // A client_msg_id sent again answers the message it made.
    const again = await sendMessage(server.base, people[plan[0].from].token, textBody(people[plan[0].to].id, 'm0', { client_msg_id: 'm-0' }));
    assert.equal(String(again.body.data.id), ids[0]);
    for (const socket of sockets) socket.close();
  });

  it('the stranger rule (one message until they answer) holds inside a batch: of two sends sharing it, one is stored, the other refused', async () => {
    const stranger = await user('bstr0');
    const target = await user('bstr1');
    await setSendCount(target.id, 1);
    const pacer = await user('bstr2');
    const pacerTo = await user('bstr3');
    await befriend(pacer.id, pacerTo.id);
    assert.equal((await sendMessage(server.base, pacer.token, textBody(pacerTo.id, 'first'))).status, 200);
    const hold = await holdConversation(pacer.id, pacerTo.id);
    const { sizes, result } = await recordBatches(async () => {
      const pacerSend = sendMessage(server.base, pacer.token, textBody(pacerTo.id, 'pacer'));
      await until(() => (app.sendBatcher as any).commits.running === 1, 'the pacer in flight');
      const sends = [ 'one', 'two' ].map(text => sendMessage(server.base, stranger.token, textBody(target.id, text)));
      await until(() => queued() === 2, 'both sends queued');
      await hold.release();
      return [ await pacerSend, ...(await Promise.all(sends)) ];
    }, { maxInFlight: 1, maxWaitMs: 60000 });
    assert.deepEqual(sizes.slice(0, 2), [ 1, 2 ]);
    // The two requests race to the batcher: whichever is queued first is stored.
    assert.equal(result[0].status, 200);
    assert.deepEqual(result.slice(1).map(answer => answer.status).sort(), [ 200, 403 ]);
    const stored = await app.model.Message.findAll({ where: { from_id: stranger.id }, raw: true }) as any[];
    assert.deepEqual(stored.map(row => String(row.id)), [ String(result.slice(1).find(answer => answer.status === 200)!.body.data.id) ]);
    const [ a, b ] = pairOf(stranger.id, target.id);
    const conversation = await app.model.Conversation.findOne({ where: { user_a: a, user_b: b }, raw: true }) as any;
    assert.equal(stranger.id === a ? conversation.sent_a : conversation.sent_b, 1);
  });

  it('a batch sends no statement through Sequelize (no BEGIN/COMMIT, no query of its own), for pair and group sends alike', async () => {
    const [ pair ] = await pairs(1, 'bnoseq');
    const [ owner, ...members ] = [ await user('bnoseqo'), await user('bnoseqm1'), await user('bnoseqm2') ];
    const group = await makeGroup(owner, members, 'nosequelize');
    const original = app.model.query.bind(app.model);
    const seen: string[] = [];
    mm(app.model, 'query', (sql: unknown, options?: unknown) => {
      seen.push(String(typeof sql === 'object' && sql !== null ? (sql as { query?: string }).query : sql).slice(0, 80));
      return original(sql as string, options as any);
    });
    const transaction = app.model.transaction.bind(app.model);
    let transactions = 0;
    mm(app.model, 'transaction', (...args: unknown[]) => { transactions++; return (transaction as any)(...args); });
    const { sizes } = await recordBatches(async () => {
      const sends = await Promise.all([
        ...[ 0, 1, 2 ].map(i => sendMessage(server.base, pair.from.token, textBody(pair.to.id, `nos ${i}`))),
        ...[ 0, 1 ].map(i => sendGroup(server.base, owner.token, group.id, `nos ${i}`)),
      ]);
      for (const res of sends) assert.equal(res.status, 200);
    });
    assert.equal(sizes.reduce((sum, size) => sum + size, 0), 5);
    assert.deepEqual(seen.filter(sql => /TRANSACTION|COMMIT|ROLLBACK|conversation|message|chat_group/i.test(sql)), []);
    assert.equal(transactions, 0);
  });

  it('the parties of the sends of one turn are read in one statement, and each send is decided on its own pair\'s rows', async () => {
    const people = await Promise.all(Array.from({ length: 10 }, (_, i) => user(`bparty${i}`)));
    const [ friendA, friendB, blockedA, blockedB, strangerA, strangerB, goneA, goneB, twinA, twinB ] = people;
    await befriend(friendA.id, friendB.id);
    await befriend(blockedA.id, blockedB.id);
    await blacklist(blockedB.id, blockedA.id);
    await setSendCount(strangerB.id, 0);
    await befriend(goneA.id, goneB.id);
    await app.model.query('UPDATE `user` SET status = 0 WHERE id = :id', { replacements: { id: goneB.id } });
    await befriend(twinA.id, twinB.id);
    const original = pooledQuery.pooledQueryUnion;
    const unions: number[] = [];
    mm(pooledQuery, 'pooledQueryUnion', (...args: Parameters<typeof original>) => {
      if (args[2].includes('blocks_other')) unions.push(args[3].length);
      return original(...args);
    });
    const sends: Array<[ typeof people[number], typeof people[number], number ]> = [
      [ friendA, friendB, 200 ], [ blockedA, blockedB, 403 ], [ strangerA, strangerB, 403 ], [ goneA, goneB, 404 ],
      [ twinA, twinB, 200 ], [ twinB, twinA, 200 ], [ friendB, friendA, 200 ],
    ];
    const answers = await Promise.all(sends.map(([ from, to ], i) => sendMessage(server.base, from.token, textBody(to.id, `party ${i}`))));
    assert.deepEqual(answers.map(res => res.status), sends.map(([ , , status ]) => status));
    assertFail(answers[1], 403, '对方把你拉黑了，不能发送消息');
    assertFail(answers[2], 403, '对方设置成：需要您先成为他的好友才能发消息');
    assertFail(answers[3], 404, '对方不存在或者被禁用，不能发消息');
    assert.ok(unions.some(count => count > 1), `one statement for several pairs (sets per statement: ${unions.join(', ')})`);
  });

  it('a lone send goes at once: one batch of one, no wait', async () => {
    const from = await user('blone0');
    const to = await user('blone1');
    await befriend(from.id, to.id);
    const { sizes } = await recordBatches(async () => {
      const res = await call(server.base, 'POST', '/api/chat/socket/sendmessage', from.token, textBody(to.id, 'alone'));
      assert.equal(res.status, 200);
    }, { maxWaitMs: 60000 });
    assert.deepEqual(sizes, [ 1 ]);
  });
});
