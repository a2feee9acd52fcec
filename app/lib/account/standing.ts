// A user's standing: what every authenticated request and every rule about another user reads
// (read through app/repository/users.ts).

/** What every authenticated request needs to know of its user. */
export interface Standing {
  id: number;
  status: number;
  is_deleted: number;
  role: string;
}

/** Gone: disabled or deleted. Gone users are invisible to other users; their rows stay. */
export const isGone = (user: Pick<Standing, 'status' | 'is_deleted'>) => user.status !== 1 || user.is_deleted !== 0;

/** The standing the friends write path reads when it locks both users (app/repository/friends.ts). */
export type FriendStanding = Standing & {
  /** 1: others must apply first (autoAddFriendAndAgree refused). */
  invite_confirm: number;
  /** When the account was made (a new applicant's applications have their own cap). */
  create_time: Date;
};
