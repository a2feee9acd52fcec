// CONTRACT-groups §A "QR": groupQrcode's PNG, its text, ?token=, its failures as JSON envelopes.
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import QRCode from 'qrcode';
import { QR_OPTIONS } from '../../../app/service/groups/qrcode';
import { assertFail } from '../../helpers';
import { addMembers, circle, createGroup, execute, groupRow, listen, routes, user } from './support';

describe('groups: GET /api/chat/groupQrcode/:id', () => {
  const server = listen();
  const { get } = routes(server);

  /** The route with ?token= only (as an <image src> asks), the body as bytes. */
  async function image(path: string, token: string) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await fetch(`${server.base}/api/chat/${path}${sep}token=${encodeURIComponent(token)}`);
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: Object.fromEntries(res.headers), body };
  }

  /** The route with ?token=, a JSON answer. */
  async function json(path: string, token: string) {
    const res = await image(path, token);
    return { ...res, body: JSON.parse(res.body.toString()) };
  }

  /** The PNG the `qrcode` package draws for this text with the route's options. */
  const png = (text: string) => QRCode.toBuffer(text, QR_OPTIONS);

  async function assertPng(res: { status: number; headers: Record<string, string>; body: Buffer }, text: string) {
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.ok(res.body.equals(await png(text)), `not the code of ${text}`);
  }

  it('a member gets the group\'s code: {"id","name"}; H5: the course\'s link, every value encoded', async () => {
    const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
    const id = await createGroup(server, owner, [ a ]);
    await execute('UPDATE chat_group SET name = \'A&B 群#1\' WHERE id = :id', { id });
    await assertPng(await image(`groupQrcode/${id}`, a.token), JSON.stringify({ id, name: 'A&B 群#1' }));
    await assertPng(await image(`groupQrcode/${id}?chatType=group`, a.token), JSON.stringify({ id, name: 'A&B 群#1' }));
    const http = 'https://h5.example.com/app/';
    await assertPng(await image(`groupQrcode/${id}?type=H5&http=${encodeURIComponent(http)}`, a.token),
      `${http}#/pages/setpageInfo/setpageInfo?action=autoAddGroup&title=%E7%BE%A4%E4%BB%8B%E7%BB%8D&id=${id}&chatType=group&name=A%26B%20%E7%BE%A4%231`);
    // Without type=H5 the http is ignored.
    await assertPng(await image(`groupQrcode/${id}?http=x`, a.token), JSON.stringify({ id, name: 'A&B 群#1' }));
  });

  it('single: any enabled user\'s code, JSON with chatType, or the H5 link with title and avatar; gone → 404', async () => {
    const [ me ] = await circle([ 'viewer01' ]);
    const other = await user('target01', { username: 'target01', nickname: '小 王' } as any);
    await execute('UPDATE `user` SET avatar = \'https://a.example/x y.png\' WHERE id = :id', { id: other.id });
    await assertPng(await image(`groupQrcode/${other.id}?chatType=single`, me.token), JSON.stringify({ id: other.id, name: '小 王', chatType: 'single' }));
    await assertPng(await image(`groupQrcode/${other.id}?chatType=single&type=H5&http=http://h5.example.com`, me.token),
      'http://h5.example.com#/pages/setpageInfo/setpageInfo?action=autoAddGroup&title=%E5%8A%A0%E7%94%A8%E6%88%B7%5B%E5%B0%8F%20%E7%8E%8B%5D%E4%B8%BA%E5%A5%BD%E5%8F%8B' +
      `&id=${other.id}&chatType=single&name=%E5%B0%8F%20%E7%8E%8B&avatar=https%3A%2F%2Fa.example%2Fx%20y.png`);
    await execute('UPDATE `user` SET status = 0 WHERE id = :id', { id: other.id });
    assertFail(await json(`groupQrcode/${other.id}?chatType=single`, me.token), 404, '用户不存在或被封禁');
    assertFail(await get('groupQrcode/999999?chatType=single', me), 404, '用户不存在或被封禁');
    // Visitors may draw codes.
    const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
    await assertPng(await image(`groupQrcode/${me.id}?chatType=single`, visitor.token), JSON.stringify({ id: me.id, name: 'viewer01', chatType: 'single' }));
  });

  it('failures stay JSON: 422 id / chatType / http, 404 group, 403 non-members and applicants', async () => {
    const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
    const outsider = await user('outsider');
    const applicant = await user('applicant');
    const id = await createGroup(server, owner, [ a ]);
    await addMembers(id, [ applicant.id ], 2);
    assertFail(await json('groupQrcode/0', a.token), 422, 'id 应为 1-4294967295 之间的整数');
    assertFail(await json(`groupQrcode/${id}?chatType=x`, a.token), 422, 'chatType 只能是 single 或 group');
    const tooLong = `https://h5.example.com/${'a'.repeat(180)}`;
    for (const http of [ '', 'h5.example.com', '/relative', `${'java'}script:alert(1)`, 'ftp://h5.example.com', 'https://h5.example.com/#/x', tooLong, 'http://' ]) {
      assertFail(await json(`groupQrcode/${id}?type=H5&http=${encodeURIComponent(http)}`, a.token), 422, 'http 无效');
    }
    assertFail(await json(`groupQrcode/${id}?type=H5`, a.token), 422, 'http 无效');
    mm(app.config.im.groups, 'qrH5Origins', [ 'https://h5.example.com' ]);
    assertFail(await json(`groupQrcode/${id}?type=H5&http=${encodeURIComponent('https://evil.example.com/')}`, a.token), 422, 'http 无效');
    assert.equal((await image(`groupQrcode/${id}?type=H5&http=${encodeURIComponent('https://h5.example.com/x/')}`, a.token)).status, 200);
    assertFail(await json(`groupQrcode/${id + 1}`, a.token), 404, '群不存在或被封禁');
    await execute('UPDATE chat_group SET status = 0 WHERE id = :id', { id });
    assertFail(await json(`groupQrcode/${id}`, a.token), 404, '群不存在或被封禁');
    await execute('UPDATE chat_group SET status = 1 WHERE id = :id', { id });
    assertFail(await json(`groupQrcode/${id}`, outsider.token), 403, '您不在该群聊中');
    assertFail(await json(`groupQrcode/${id}`, applicant.token), 403, '您不在该群聊中');
    assert.ok(await groupRow(id));
  });

  it('?token= is taken on this route only; the token header works too; no token → 401', async () => {
    const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
    const id = await createGroup(server, owner, [ a ]);
    assert.equal((await get(`groupQrcode/${id}`, a)).status, 200);
    assert.equal((await get(`groupQrcode/${id}`)).status, 401);
    assert.equal((await image(`groupQrcode/${id}`, 'not-a-token')).status, 401);
    assert.equal((await image(`groupinfo/${id}`, a.token)).status, 401);
    assert.equal((await image('grouplist/1', a.token)).status, 401);
  });

  it('QR_LIMIT codes per user and minute → 429 (a JSON envelope with Retry-After)', async () => {
    mm(app.config.im.groups, 'qrLimit', 2);
    const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
    const id = await createGroup(server, owner, [ a ]);
    assert.equal((await image(`groupQrcode/${id}`, a.token)).status, 200);
    assert.equal((await image(`groupQrcode/${id}`, a.token)).status, 200);
    const res = await image(`groupQrcode/${id}`, a.token);
    assert.equal(res.status, 429);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.ok(Number(res.headers['retry-after']) > 0);
    // Per user: another member still gets one.
    assert.equal((await image(`groupQrcode/${id}`, owner.token)).status, 200);
  });
});
