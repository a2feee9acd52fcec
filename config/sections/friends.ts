// Friends (README "Friends"): caps and the application limit (windows in seconds).
import { SectionOf } from './env';

export interface FriendsSection {
  /** Friends one user may have (every row counts, gone friends included). `FRIEND_MAX`, default 5000, at least 1. */
  max: number;
  /** Pending applications one user may have waiting; further ones answer 409. `FRIEND_PENDING_MAX`, default 1000, at least 1. */
  pendingMax: number;
  /** Applications one user may file per applyWindow, then 429. `FRIEND_APPLY_LIMIT`, default 30, at least 1. */
  applyLimit: number;
  /** Window of applyLimit, in s. `FRIEND_APPLY_WINDOW`, default 3600, at least 1. */
  applyWindow: number;
  /** Seconds after a refusal (or ignore) before the same user may apply again; 0: no wait. `FRIEND_REAPPLY_COOLDOWN`, default 86400, at least 0. */
  reapplyCooldown: number;
  /**
   * Pending applications to one user that new applicants (visitors, accounts younger than
   * newAccountAge) may hold together (README "Friends", full inboxes). `FRIEND_PENDING_NEW_MAX`,
   * default 200, at least 1.
   */
  pendingNewMax: number;
  /** Age in s below which an account is a new applicant; 0: visitors only. `FRIEND_NEW_ACCOUNT_AGE`, default 604800, at least 0. */
  newAccountAge: number;
  /** getUserSetInfo: distinct other users a user may look up per lookupWindow, then 429. `USER_LOOKUP_LIMIT`, default 300, at least 1. */
  lookupLimit: number;
  /** The same for a visitor. `USER_LOOKUP_LIMIT_VISITOR`, default 20, at least 1. */
  lookupLimitVisitor: number;
  /** Window of the lookup limits, in s. `USER_LOOKUP_WINDOW`, default 3600, at least 1. */
  lookupWindow: number;
  /** `from_avatar` of the application notice (CONTRACT-client-behaviour §4). `FRIEND_NOTICE_AVATAR`, default the course's group.png. */
  noticeAvatar: string;
}

export const friendsSection: SectionOf<FriendsSection> = ({ envInt, envString }) => {
  return {
    max: envInt('FRIEND_MAX', 5000, 1),
    pendingMax: envInt('FRIEND_PENDING_MAX', 1000, 1),
    applyLimit: envInt('FRIEND_APPLY_LIMIT', 30, 1),
    applyWindow: envInt('FRIEND_APPLY_WINDOW', 3600, 1),
    reapplyCooldown: envInt('FRIEND_REAPPLY_COOLDOWN', 86400, 0),
    pendingNewMax: envInt('FRIEND_PENDING_NEW_MAX', 200, 1),
    newAccountAge: envInt('FRIEND_NEW_ACCOUNT_AGE', 604800, 0),
    lookupLimit: envInt('USER_LOOKUP_LIMIT', 300, 1),
    lookupLimitVisitor: envInt('USER_LOOKUP_LIMIT_VISITOR', 20, 1),
    lookupWindow: envInt('USER_LOOKUP_WINDOW', 3600, 1),
    noticeAvatar: envString('FRIEND_NOTICE_AVATAR', 'https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/group.png'),
  };
};
