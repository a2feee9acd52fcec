// Notices of the friends domain the course client shows (CONTRACT-client-behaviour §4).
import { randomUUID } from 'node:crypto';

/** What each side's systemNotice says once two users are friends (autoAddFriendAndAgree, handleapply agree). */
export const NOW_FRIENDS = { data: '我们已经是好友了，可以开始聊天了', dataType: false, otherData: null };

interface Named {
  id: number;
  username: string;
  nickname: string | null;
  avatar: string | null;
}

const nameOf = (user: Named) => user.nickname || user.username;

/**
 * The notice to the target of an application (a `singleChat` frame's data, not stored in
 * history): keys in the contract's order; `from_id` and `msgidKey` name the applicant, and
 * `redirect` opens the applications page on tap.
 */
export function friendApplyNotice(applicant: Named, target: Named, avatar: string, now = Date.now()) {
  const key = `redirect-applyFriend-${applicant.id}`;
  return {
    id: randomUUID(),
    from_avatar: avatar,
    from_name: '好友申请提醒',
    from_id: key,
    to_id: target.id,
    to_name: nameOf(target),
    to_avatar: target.avatar ?? '',
    chatType: 'single',
    type: 'text',
    data: { data: `用户[${nameOf(applicant)}]申请添加您为好友，请尽快处理`, dataType: false, otherData: null },
    redirect: { url: '/pages/applyMyfriend/applyMyfriend', type: 'navigateTo' },
    options: {},
    create_time: now,
    isremove: 0,
    msgidKey: key,
  };
}
