import { strict as assert } from 'node:assert';
import { assertFail, assertOk, search } from '../../helpers';
import {
  apply, applicationRow, befriendByApi, friendRow, get, handle, Member, members, pairRowCount, post, setStanding,
} from './support';

const listed = async (me: Member) =>
  assertOk(await get('/api/chat/goodfriendlist', me.token)).rows.newList.flatMap((g: { list: Array<{ friend_id: number }> }) => g.list.map(i => i.friend_id));

describe('blacklist: A blacklists B', () => {
  async function blacklisted() {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    await befriendByApi(b, a);
    assertOk(await post(`/api/chat/setblackgoodfriend/${b.id}`, a.token, { isblack: 1 }));
    return { a, b };
  }

  it('changes only A\'s row; B is not told: B\'s views are unchanged', async () => {
    const { a, b } = await blacklisted();
    assert.equal((await friendRow(a.id, b.id))!.isblack, 1);
    assert.equal((await friendRow(b.id, a.id))!.isblack, 0);
    assert.equal(assertOk(await post(`/api/chat/ismygoodfriend/${a.id}`, b.token)).isblack, 0);
    assert.deepEqual(await listed(b), [ a.id ]);
    assert.equal(assertOk(await get(`/api/chat/getgoodfriendinfo/${a.id}`, b.token)).friend_id, a.id);
  });

  it('A still lists and sees B; A\'s ismygoodfriend(B) is 404; starring and visibility are 409', async () => {
    const { a, b } = await blacklisted();
    assert.deepEqual(await listed(a), [ b.id ]);
    assert.equal(assertOk(await get(`/api/chat/getgoodfriendinfo/${b.id}`, a.token)).friend_id, b.id);
    assertFail(await post(`/api/chat/ismygoodfriend/${b.id}`, a.token), 404, '不是好友');
    assertFail(await post(`/api/chat/setstargoodfriend/${b.id}`, a.token), 409, '好友不存在或者被拉黑，无法操作');
    assertFail(await post(`/api/chat/setmeOrfriendCanSee/${b.id}`, a.token, { friendlookme: 0, melookfriend: 0 }), 409, '好友不存在或者被拉黑，无法操作');
  });

  it('B applying to A: 409 对方已经是您的好友; B\'s getUserSetInfo(A): isgoodfriend_status false', async () => {
    const { a, b } = await blacklisted();
    assertFail(await apply(b, a.id), 409, '对方已经是您的好友');
    assertFail(await apply(a, b.id), 409, '对方已经是您的好友');
    const info = assertOk(await post('/api/chat/getUserSetInfo', b.token, { userid: a.id }));
    assert.deepEqual([ info.isgoodfriend, info.isgoodfriend_status ], [ true, false ]);
    const mine = assertOk(await post('/api/chat/getUserSetInfo', a.token, { userid: b.id }));
    assert.deepEqual([ mine.isgoodfriend, mine.isgoodfriend_status ], [ true, true ]);
  });

  it('search is unchanged both ways', async () => {
    const { a, b } = await blacklisted();
    assert.deepEqual(assertOk(await search(a.token, { keyword: 'bob0001' })).map((u: { id: number }) => u.id), [ b.id ]);
    assert.deepEqual(assertOk(await search(b.token, { keyword: 'alice01' })).map((u: { id: number }) => u.id), [ a.id ]);
  });

  it('un-blacklisting restores everything; deleting the friendship does not end the blacklist (A\'s block, user_block)', async () => {
    const { a, b } = await blacklisted();
    assertOk(await post(`/api/chat/setblackgoodfriend/${b.id}`, a.token));
    assert.equal(assertOk(await post(`/api/chat/ismygoodfriend/${b.id}`, a.token)).isblack, 0);
    assertOk(await post(`/api/chat/setblackgoodfriend/${b.id}`, a.token));
    assertOk(await post(`/api/chat/deletegoodfriend/${a.id}`, b.token));
    assert.equal(await pairRowCount(a.id, b.id), 0);
    // A befriends B again: the row shows the block that survived.
    assertOk(await apply(a, b.id));
    assertOk(await handle(b, (await applicationRow(a.id, b.id))!.id, 'agree'));
    assert.equal((await friendRow(a.id, b.id))!.isblack, 1);
  });
});

describe('gone users (disabled or deleted by SQL) are invisible everywhere, and back when re-enabled', () => {
  for (const gone of [{ status: 0 }, { is_deleted: 1 }]) {
    it(`${JSON.stringify(gone)}`, async () => {
      const [ me, friend, applicant, stranger ] = await members([ 'me000001', 'friend01', 'applic01', 'strang01' ]);
      await befriendByApi(me, friend);
      assertOk(await apply(applicant, me.id));
      const applicationId = (await applicationRow(applicant.id, me.id))!.id;
      for (const user of [ friend, applicant, stranger ]) await setStanding(user.id, gone);

      const list = assertOk(await get('/api/chat/goodfriendlist', me.token));
      assert.deepEqual(list, { count: 0, rows: { newList: [], indexList: [], total: 0 } });
      assert.deepEqual(assertOk(await get('/api/chat/listapplyfriend', me.token)), { alldata: [], pendingCount: 0 });
      assertFail(await get(`/api/chat/getgoodfriendinfo/${friend.id}`, me.token), 404, '好友不存在');
      assertFail(await post(`/api/chat/ismygoodfriend/${friend.id}`, me.token), 404, '不是好友');
      assertFail(await post(`/api/chat/setblackgoodfriend/${friend.id}`, me.token), 404, '好友不存在');
      assertFail(await post(`/api/chat/setstargoodfriend/${friend.id}`, me.token), 404, '好友不存在或者被拉黑，无法操作');
      assertFail(await post(`/api/chat/setmeOrfriendCanSee/${friend.id}`, me.token, { friendlookme: 1, melookfriend: 1 }), 404, '好友不存在或者被拉黑，无法操作');
      assertFail(await get(`/api/userinfo/${friend.uuid}`), 404, '用户不存在');
      assertFail(await post(`/api/chat/isApplyfriend/${applicant.uuid}`, me.token), 404, '用户不存在');
      assertFail(await post('/api/chat/getUserSetInfo', me.token, { userid: stranger.id }), 404, '用户不存在或者为游客，无法加为好友');
      assertFail(await apply(me, stranger.id), 404, '添加的好友不存在');
      assertFail(await handle(me, applicationId, 'agree'), 404, '申请不存在或已处理');
      // Rows are kept meanwhile.
      assert.equal(await pairRowCount(me.id, friend.id), 2);

      for (const user of [ friend, applicant, stranger ]) await setStanding(user.id, { status: 1, is_deleted: 0 });
      assert.equal(assertOk(await get('/api/chat/goodfriendlist', me.token)).count, 1);
      assert.equal(assertOk(await get('/api/chat/listapplyfriend', me.token)).pendingCount, 1);
      assert.equal(assertOk(await post(`/api/chat/ismygoodfriend/${friend.id}`, me.token)).friend_id, friend.id);
      assert.equal(assertOk(await post(`/api/chat/isApplyfriend/${applicant.uuid}`, me.token)).id, applicationId);
      assertOk(await handle(me, applicationId, 'agree'));
    });
  }

  it('deletegoodfriend ignores it: a gone friend can be deleted', async () => {
    const [ me, friend ] = await members([ 'me000001', 'friend01' ]);
    await befriendByApi(me, friend);
    await setStanding(friend.id, { status: 0, is_deleted: 1 });
    assertOk(await post(`/api/chat/deletegoodfriend/${friend.id}`, me.token));
    assert.equal(await pairRowCount(me.id, friend.id), 0);
  });
});
