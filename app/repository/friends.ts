// The friends tables (docs: architecture "Repositories"): goodfriend, goodfriendapply,
// user_block, and the `user` / user_info columns the friends routes read and write (profiles,
// settings, the lock of both users that every friendship write takes first). The statements
// are in ./friends.sql.ts; every read goes to the primary (a client reads back right after
// writing). The friendship use cases (app/service/friends) open the transactions and pass them.
import type { Sequelize, Transaction } from 'sequelize';
import { FriendStanding } from '../lib/account/standing';
import { ProfileField } from '../lib/friends/rules';
import { FriendItemRow, InboxRow, PairRow, UserInfoRow } from '../lib/friends/views';
import { sqlTime } from '../lib/time';
import { pooledExecuteMany, pooledExecuteNamed, pooledExecuteUnion, pooledQuery, pooledQueryUnion } from '../lib/pooledQuery';
import { TurnBatch } from '../lib/turnBatch';
import { SQL } from './friends.sql';
import { change, insert, select } from './statements';

/** The statements (bench/friends.js prints their plans), and the one SQL test of a block (messaging's parties read it too). */
export { BLOCKS, SQL as FRIENDS_SQL } from './friends.sql';

/** What applyfriend reads about the pair (a applies to b) and the caps, in one statement after both users are locked. */
export interface ApplyState {
  /** a's goodfriend row about b exists (blacklisted or not). */
  friends: number;
  /** b blocks a (user_block). */
  blocked: number;
  mine_status: string | null;
  mine_time: Date | null;
  theirs_status: string | null;
  /** a's goodfriend rows (FRIEND_MAX counts them all). */
  my_friends: number;
  /** Pending applications to b (FRIEND_PENDING_MAX counts them all). */
  target_pending: number;
}

/** A side of a pair before befriending: its friend count and whether its row about the other exists. */
export interface PairSide {
  user_id: number;
  total: number;
  has_row: number;
}

/** A goodfriend row to insert: `owner`'s row about `friend`, with `owner`'s remark. */
export interface NewFriendRow {
  owner: number;
  friend: number;
  remark: string;
}

export type FriendInfoRow = Pick<PairRow, 'id' | 'user_id' | 'friend_id' | 'nickname'> & UserInfoRow &
{ username: string; avatar: string; friend_nickname: string; role: string; status: number };

export type PendingFromRow = PairRow & { applicant: number; applicant_status: number; applicant_deleted: number };

export type ProfileRow = UserInfoRow & { id: number; uuid: string; username: string; nickname: string; avatar: string; role: string; userset: string };

/** Another user's settings as I see them, with their goodfriend row about me (NULLs: none) and their block of me. */
export interface SettingsRow {
  id: number;
  userset: string;
  invite_confirm: number;
  status: number;
  is_deleted: number;
  role: string;
  isblack: number | null;
  friend_status: number | null;
  blocks_me: number;
}

/** The names a notice shows of a user. */
export interface UserCard {
  id: number;
  username: string;
  nickname: string | null;
  avatar: string | null;
}

/** An explicit 0/1, or null: flip the stored flag. */
export type FlagValue = number | null;

const PROFILE_FIELD_SQL: Record<ProfileField, string> = {
  nickname: SQL.setNickname,
  avatar: SQL.setAvatar,
  invite_confirm: SQL.setInviteConfirm,
};

/** A version statement's texts, one per key count (the counts are powers of two, see pooledExecuteMany). */
function versionTexts(sql: (count: number) => string): (count: number) => string {
  const texts = new Map<number, string>();
  return count => {
    let text = texts.get(count);
    if (!text) texts.set(count, text = sql(count));
    return text;
  };
}
const listVersionsText = versionTexts(SQL.listVersions);
const inboxVersionsText = versionTexts(SQL.inboxVersions);

export class FriendRepository {
  // The version lookups of one turn of the event loop, one statement each kind.
  private readonly versions = new TurnBatch<number, string | null>(ids => this.readVersions(listVersionsText, ids));
  private readonly inboxVersions = new TurnBatch<number, string | null>(ids => this.readVersions(inboxVersionsText, ids));
  // The pair reads of one turn of the event loop, one statement each kind (keys `me:friend`).
  private readonly friendInfos = this.pairBatch<FriendInfoRow>(SQL.friendInfo);
  private readonly friendRows = this.pairBatch<PairRow>(SQL.myFriendRow);
  // The inbox pages of one turn (keys `me:offset:limit`), one statement (a union of their ranges).
  private readonly inboxPages = new TurnBatch<string, Array<InboxRow & { pending: number }>>(async keys => {
    const sets = keys.map(key => {
      const [ me, offset, limit ] = key.split(':').map(Number);
      return { me, offset, limit };
    });
    return pooledQueryUnion(this.sequelize, 'write', SQL.inboxPage, sets, 'id DESC');
  });

  constructor(private readonly sequelize: Sequelize) {}

  /**
   * A hot read (docs/performance.md "The hot reads"): a prepared statement on a connection of
   * Sequelize's pool, on the primary, without Sequelize's query pipeline.
   */
  private read<T>(sql: string, values: Record<string, number | string>): Promise<T[]> {
    return pooledExecuteNamed<T>(this.sequelize, 'write', sql, values);
  }

  /** A hot read of many rows: the same, on the text protocol (see app/lib/pooledQuery.ts). */
  private readMany<T>(sql: string, values: Record<string, number | string>): Promise<T[]> {
    return pooledQuery<T>(this.sequelize, 'write', sql, values);
  }

  /** Lookups of one statement by (me, friend), those of one turn of the event loop sent together (app/lib/turnBatch.ts). */
  private pairBatch<T>(sql: string): TurnBatch<string, T | null> {
    return new TurnBatch<string, T | null>(async keys => {
      const sets = keys.map(key => {
        const [ me, friend ] = key.split(':').map(Number);
        return { me, friend };
      });
      return (await pooledExecuteUnion<T>(this.sequelize, 'write', sql, sets)).map(rows => rows[0] ?? null);
    });
  }

  private async readFirst<T>(sql: string, values: Record<string, number | string>): Promise<T | null> {
    return (await this.read<T>(sql, values))[0] ?? null;
  }

  private select<T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    return select<T>(this.sequelize, sql, replacements, transaction);
  }

  private async findFirst<T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T | null> {
    const [ row ] = await this.select<T>(sql, replacements, transaction);
    return row ?? null;
  }

  private change(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<number> {
    return change(this.sequelize, sql, replacements, transaction);
  }

  // Users: the lock of the friendship write path, and the names of a notice.

  /** Locks the users' rows (SELECT … FOR UPDATE, ascending id, one statement); the standing of those that exist. */
  lockStandings(ids: number[], transaction: Transaction): Promise<FriendStanding[]> {
    return this.select<FriendStanding>(SQL.lockUsers, { ids }, transaction);
  }

  /** The names of the users that exist, in no particular order. */
  listCards(ids: number[]): Promise<UserCard[]> {
    return this.select<UserCard>(SQL.cards, { ids });
  }

  // Applications (goodfriendapply).

  /** The pair's rows and both caps, as applyfriend checks them after the locks. */
  async findApplyState(a: number, b: number, transaction: Transaction): Promise<ApplyState> {
    return (await this.findFirst<ApplyState>(SQL.pairState, { a, b }, transaction))!;
  }

  /** Pending applications to `target` from new applicants (visitors, accounts made after `since`, DATETIME(3) UTC text). */
  async countNewPendingTo(target: number, since: string, transaction: Transaction): Promise<number> {
    const row = await this.findFirst<{ pending: number }>(SQL.newPendingTo, { b: target, since }, transaction);
    return Number(row!.pending);
  }

  /** Deletes a's application to b (whatever its status). */
  async removeApplication(a: number, b: number, transaction: Transaction): Promise<void> {
    await this.change(SQL.deleteApplication, { a, b }, transaction);
  }

  /** A new pending application from a to b with the message `note`. */
  async saveApplication(a: number, b: number, note: string, transaction: Transaction): Promise<void> {
    await insert(this.sequelize, SQL.insertApplication, { a, b, note, now: sqlTime() }, transaction);
  }

  /**
   * A page of the applications to me (newest first, gone applicants left out), each row carrying
   * my pending count. The pages asked for in one turn of the event loop are read by one
   * statement (app/lib/turnBatch.ts); requests for the same page share its rows (read them only).
   */
  listInbox(me: number, offset: number, limit: number): Promise<ReadonlyArray<InboxRow & { pending: number }>> {
    return this.inboxPages.get(`${me}:${offset}:${limit}`);
  }

  /** Pending applications to me from applicants who are not gone. */
  async countPendingTo(me: number): Promise<number> {
    const row = await this.readFirst<{ pending: number }>(SQL.pendingToMe, { me });
    return Number(row!.pending);
  }

  /** The applicant of the application `id` addressed to me, or null. */
  async findApplicantOf(id: number, me: number): Promise<number | null> {
    return (await this.findFirst<{ user_id: number }>(SQL.applicationToMe, { id, me }))?.user_id ?? null;
  }

  /** The status of the application `id`, or null when there is none. */
  async findApplicationStatus(id: number, transaction: Transaction): Promise<string | null> {
    return (await this.findFirst<{ status: string }>(SQL.applicationStatus, { id }, transaction))?.status ?? null;
  }

  async saveApplicationStatus(id: number, status: string, transaction: Transaction): Promise<void> {
    await this.change(SQL.setApplicationStatus, { status, now: sqlTime(), id }, transaction);
  }

  /** The user `uuid` (lower case) and their pending application to me (its columns NULL: none); null: no such user. */
  findPendingFrom(me: number, uuid: string): Promise<PendingFromRow | null> {
    return this.findFirst<PendingFromRow>(SQL.pendingFrom, { me, uuid });
  }

  /** Sets the pending applications between a and b (both directions) to `agree`. */
  async saveAgreedPending(a: number, b: number, now: string, transaction: Transaction): Promise<void> {
    await this.change(SQL.agreePending, { a, b, now }, transaction);
  }

  /** a's own application to b stored as `agree` with the message `note` (created, or updated). */
  async saveAgreedApplication(a: number, b: number, note: string, now: string, transaction: Transaction): Promise<void> {
    await insert(this.sequelize, SQL.agreeOwnApplication, { a, b, note, now }, transaction);
  }

  // Friendships (goodfriend).

  /** Per side of the pair that has rows: its friend count and whether its row about the other exists. */
  listPairSides(a: number, b: number, transaction: Transaction): Promise<PairSide[]> {
    return this.select<PairSide>(SQL.pairSides, { a, b }, transaction);
  }

  /** Inserts the rows in one statement; each row's isblack starts as its owner's block of the friend. */
  async saveFriendRows(rows: NewFriendRow[], now: string, transaction: Transaction): Promise<void> {
    if (!rows.length) return;
    // In owner order: the triggers then take friend_list_version rows in the order a profile
    // change's fan-out takes them (ascending user_id): the two wait for each other instead of deadlocking.
    rows = [ ...rows ].sort((x, y) => x.owner - y.owner);
    const values = rows.map(({ owner, friend, remark }, i) => ({ [`owner${i}`]: owner, [`friend${i}`]: friend, [`remark${i}`]: remark }));
    await insert(this.sequelize, SQL.insertFriendRows(rows.length), Object.assign({ now }, ...values), transaction);
  }

  /** Whether a's goodfriend row about b exists (blacklisted or not, the friend gone or not). */
  async existsFriendRow(a: number, b: number, transaction: Transaction): Promise<boolean> {
    return (await this.select(SQL.myRowExists, { a, b }, transaction)).length > 0;
  }

  /** Both goodfriend rows of the pair and both directions' applications. */
  async removeFriendship(a: number, b: number, transaction: Transaction): Promise<void> {
    await this.change(SQL.deleteFriendRows, { a, b }, transaction);
    await this.change(SQL.deleteApplications, { a, b }, transaction);
  }

  /** Every friendship and application of the users, both directions (deleting idle visitors). */
  async removeAllOf(ids: number[], transaction: Transaction): Promise<void> {
    if (!ids.length) return;
    await this.change(SQL.deleteAllFriendRows, { ids }, transaction);
    await this.change(SQL.deleteAllApplications, { ids }, transaction);
    await this.change(SQL.deleteAllBlocks, { ids }, transaction);
  }

  /** A page of my visible friends by friend_id. */
  listFriends(me: number, offset: number, limit: number): Promise<FriendItemRow[]> {
    return this.readMany<FriendItemRow>(SQL.friendPage, { me, offset, limit });
  }

  async countFriends(me: number): Promise<number> {
    return Number((await this.readFirst<{ count: number }>(SQL.friendCount, { me }))!.count);
  }

  /**
   * The version of my friend list as stored when the lookup is sent (friend_list_version: every
   * change to what goodfriendlist answers me replaces it), or null when it has none; the
   * lookups of one turn of the event loop share one statement.
   */
  findListVersion(me: number): Promise<string | null> {
    return this.versions.get(me);
  }

  /**
   * The version of my inbox of applications as stored when the lookup is sent
   * (apply_inbox_version: every change to what listapplyfriend answers me replaces it), or null
   * when it has none; the lookups of one turn of the event loop share one statement.
   */
  findInboxVersion(me: number): Promise<string | null> {
    return this.inboxVersions.get(me);
  }

  private async readVersions(sql: (count: number) => string, ids: number[]): Promise<Array<string | null>> {
    const rows = await pooledExecuteMany<number, { user_id: number; version: number | string }>(this.sequelize, 'write', sql, ids, id => [ id ]);
    const found = new Map(rows.map(row => [ Number(row.user_id), String(row.version) ]));
    return ids.map(id => found.get(id) ?? null);
  }

  /** My row about a visible friend with the friend's profile, or null. */
  findFriendInfo(me: number, friend: number): Promise<FriendInfoRow | null> {
    return this.friendInfos.get(`${me}:${friend}`);
  }

  /** My row about a visible friend I did not blacklist, or null. */
  findFriendRow(me: number, friend: number, transaction?: Transaction): Promise<PairRow | null> {
    // Inside a transaction, on its own connection (never a second pooled one: oneConnection.test.ts).
    if (transaction) return this.findFirst<PairRow>(SQL.myFriendRow, { me, friend }, transaction);
    return this.friendRows.get(`${me}:${friend}`);
  }

  /** My row's isblack about a visible friend, or null: no row, or the friend is gone. */
  async findRowBlack(me: number, friend: number): Promise<number | null> {
    return (await this.findFirst<{ isblack: number }>(SQL.myRowBlack, { me, friend }))?.isblack ?? null;
  }

  /** Sets (0/1) or flips (null) `ismystarfriend` of my row about a visible friend I did not blacklist; the rows changed. */
  saveStar(me: number, friend: number, ismystarfriend: FlagValue): Promise<number> {
    return this.change(SQL.setStar, { me, friend, ismystarfriend, now: sqlTime() });
  }

  /** Both visibility flags of my row about a visible friend I did not blacklist; the rows changed. */
  saveVisibility(me: number, friend: number, friendlookme: number, melookfriend: number): Promise<number> {
    return this.change(SQL.setVisibility, { me, friend, friendlookme, melookfriend, now: sqlTime() });
  }

  // Blocks (user_block; the blocker's goodfriend row keeps isblack in step).

  /** Whether `blocker` blocks `blocked`: one primary-key probe (in the transaction that holds the users' locks, if given). */
  async existsBlock(blocker: number, blocked: number, transaction?: Transaction): Promise<boolean> {
    const row = await this.findFirst<{ blocked: number }>(SQL.isBlockedBy, { blocker, blocked }, transaction);
    return Number(row!.blocked) === 1;
  }

  async saveBlock(blocker: number, blocked: number, transaction: Transaction): Promise<void> {
    await this.change(SQL.insertBlock, { blocker, blocked, now: sqlTime() }, transaction);
  }

  async removeBlock(blocker: number, blocked: number, transaction: Transaction): Promise<void> {
    await this.change(SQL.deleteBlock, { blocker, blocked }, transaction);
  }

  /** Deletes the blocker's pending application to the blocked user. */
  async removePendingApplication(blocker: number, blocked: number, transaction: Transaction): Promise<void> {
    await this.change(SQL.withdrawPending, { blocker, blocked }, transaction);
  }

  /** The blocker's goodfriend row about the blocked user (if any) shows the block. */
  async saveRowBlack(blocker: number, blocked: number, isblack: number, transaction: Transaction): Promise<void> {
    await this.change(SQL.setRowBlack, { blocker, blocked, isblack, now: sqlTime() }, transaction);
  }

  // Profiles and settings (`user`, user_info).

  /** A visible user's public profile by uuid (lower case), or null. */
  findProfileByUuid(uuid: string): Promise<ProfileRow | null> {
    return this.findFirst<ProfileRow>(SQL.profileByUuid, { uuid });
  }

  /** `other`'s settings as `me` sees them, or null: no such user. */
  findSettings(me: number, other: number): Promise<SettingsRow | null> {
    return this.findFirst<SettingsRow>(SQL.settingsOf, { me, other });
  }

  /** One of the user's own profile fields. */
  async saveProfileField(id: number, field: ProfileField, value: string | number): Promise<void> {
    await this.change(PROFILE_FIELD_SQL[field], { value, now: sqlTime(), id });
  }

  /** The user's chat settings, as stored text. */
  async saveUserset(id: number, userset: string): Promise<void> {
    await this.change(SQL.setUserset, { value: userset, now: sqlTime(), id });
  }
}
