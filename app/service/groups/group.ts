import { randomUUID } from 'node:crypto';
import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { HOUR } from '../../../config/sections/groups';
import { isGone } from '../../lib/account/standing';
import { okBody } from '../../lib/envelope';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { groupNotice, NoticeSender, texts } from '../../lib/groups/notices';
import {
  APPLICANT_STATUS, composeGroupAvatar, composeGroupName, GroupRow, groupInfoView, groupView, MEMBER_STATUS,
  myGroupView, previewView,
} from '../../lib/groups/views';
import { PageCache } from '../../lib/friends/pageCache';
import { lockingTransaction } from '../../lib/lockedTransaction';
import { formatLocal } from '../../lib/time';
import type { GroupField } from '../../repository/groups';
import type { MyGroupRow } from '../../lib/groups/views';

// groupinfo's answers to members, serialized, each with the version of the group it was built
// from (docs/performance.md "Groups"): the same kept-bytes cache as goodfriendlist's pages.
const infos = new PageCache();
// grouplist's answers by the rows they were built from: requests for one page in one turn share
// its rows (the repository's per-turn batch), and so the bytes built from them.
const lists = new WeakMap<readonly MyGroupRow[], Buffer>();

/** A group's `status`: 1 live; 2 banned by an operator (CONTRACT-admin §4). */
export const LIVE_STATUS = 1;
export const BANNED_STATUS = 2;

/** A live group: exists and status 1 (else 404 `群不存在或被封禁`). */
export function liveGroup(group: GroupRow | null): GroupRow {
  if (!group || group.status !== LIVE_STATUS) throw new NotFoundError('groups.notFound');
  return group;
}

/**
 * Runs inside the change's transaction, after the change (the console's audit entry, written
 * with the change: CONTRACT-admin §5). `group` is the row before the change.
 */
export type WithinGroupChange = (transaction: Transaction, group: GroupRow) => Promise<void>;

/** An operator of the console acting on a group (CONTRACT-admin §4), with what to write inside the change's transaction. */
export interface OperatorActor {
  operator: WithinGroupChange;
}

/** Who acts: the owner through the API (user id), or an operator of the console. */
export type GroupActor = { owner: number } | OperatorActor;

/**
 * The group use cases but joins (app/service/groups/membership.ts): create, the lists, the
 * owner's settings, nicknames, leaving and dismissal, transfer, and the operators' ban (the
 * console calls dismissal and transfer too, as an operator actor: one rule for both). Every
 * change to members locks the group row first.
 */
export default class GroupService extends Service {
  private get groups() {
    return this.app.repos.groups;
  }

  /** The group row locked in `transaction`, live (404 otherwise). */
  async lockLive(id: number, transaction: Transaction): Promise<GroupRow> {
    return liveGroup(await this.groups.lockGroup(id, transaction));
  }

  /**
   * POST group/create: the caller's friend-list entries (other ids skipped, one entry per
   * friend) join in the order given; one transaction under the caller's row lock (so
   * GROUP_MAX_OWNED holds), then the create notice (seq 1).
   */
  async create(userId: number, entryIds: number[]): Promise<void> {
    const { maxOwned, maxMembers, createLimit } = this.config.im.groups;
    const entries = await this.groups.listFriendEntries(userId, entryIds);
    const byEntry = new Map(entries.map(entry => [ entry.entry_id, entry ]));
    const friends = [ ...new Map(entryIds.filter(id => byEntry.has(id)).map(id => byEntry.get(id)!).map(entry => [ entry.id, entry ])).values() ];
    if (!friends.length) throw new ValidationError('groups.noMembers');
    const bucket = this.service.rateLimit.userBucket(userId, 'group-create', createLimit, HOUR);
    let taken = false;
    try {
      await lockingTransaction(this.ctx.model, async transaction => {
        const me = await this.app.repos.users.lockUser(userId, transaction);
        if (!me) throw new NotFoundError('groups.notFound');
        if (await this.groups.countOwnedGroups(userId, transaction) >= maxOwned) throw new ConflictError('groups.ownedLimit');
        if (friends.length + 1 > maxMembers) throw new ConflictError('groups.full');
        if (!taken) {
          await this.service.rateLimit.take([ bucket ]);
          taken = true;
        }
        const users = [{ id: userId, username: me.username, nickname: me.nickname, avatar: me.avatar }, ...friends ];
        const group = {
          uuid: randomUUID(), user_id: userId, name: composeGroupName(users), avatar: composeGroupAvatar(users.map(user => user.avatar)), invite_confirm: 0,
        };
        const id = await this.groups.saveNewGroup(group, users.map(user => ({
          user_id: user.id, nickname: '', avatar: '', invited_by: user.id === userId ? null : userId,
        })), transaction);
        const row = (await this.groups.findGroup(id, transaction))!;
        const [ creator ] = await this.groups.listIdentities(id, [ userId ], transaction);
        const from = this.service.groups.notices.author(creator);
        await this.service.groups.notices.store(transaction, row, from, texts.created(from.name));
      });
    } catch (err) {
      if (taken) await this.service.rateLimit.release([[ bucket, 'refund' ]]).catch(() => undefined);
      throw err;
    }
  }

  /**
   * GET grouplist/:page, the whole answer's bytes (okBody): the caller's groups (member rows),
   * newest first, serialized once per rows read.
   */
  async listJson(userId: number, offset: number, limit: number): Promise<Buffer> {
    const rows = await this.groups.listUserGroups(userId, offset, limit);
    let json = lists.get(rows);
    if (!json) {
      const { timezone } = this.config.im.user;
      lists.set(rows, json = okBody(JSON.stringify(rows.map(row => myGroupView(row, timezone)))));
    }
    return json;
  }

  /**
   * GET groupinfo/:id, the whole answer's bytes (okBody): every member for a member; the member
   * ids (a preview, GROUP_PREVIEW_LIMIT an hour) for anyone else. A member's answer is kept
   * with the group's version, read on every request with the group's status and the caller's
   * membership (one batched lookup), so a change is seen on the next request; it is built again
   * only when the version moved. The version is read before the rows, so an answer kept under
   * it holds every change the version names (or later ones).
   */
  async infoJson(userId: number, id: number): Promise<Buffer> {
    const { timezone } = this.config.im.user;
    const { maxMembers, previewLimit } = this.config.im.groups;
    const state = await this.groups.findInfoState(id, userId);
    if (!state || state.status !== LIVE_STATUS) throw new NotFoundError('groups.notFound');
    if (state.member_status === MEMBER_STATUS) {
      return infos.through(String(id), state.version, async () => {
        const [ found, members ] = await Promise.all([ this.groups.findGroup(id), this.groups.listMembers(id, maxMembers) ]);
        return okBody(JSON.stringify(groupInfoView(liveGroup(found), members, timezone)));
      });
    }
    await this.service.rateLimit.take([ this.service.rateLimit.userBucket(userId, 'group-preview', previewLimit, HOUR) ]);
    const [ found, memberIds ] = await Promise.all([ this.groups.findGroup(id), this.groups.listMemberIds(id, maxMembers) ]);
    return okBody(JSON.stringify(previewView(liveGroup(found), memberIds, timezone)));
  }

  /**
   * groupUpdateName / groupremark: the owner sets the name or the announcement; an unchanged
   * value changes nothing and tells no one; else the stored notice from the owner.
   */
  async setText(userId: number, id: number, field: Extract<GroupField, 'name' | 'remark'>, value: string): Promise<void> {
    await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.lockLive(id, transaction);
      if (group.user_id !== userId) throw new ForbiddenError(field === 'name' ? 'groups.ownerOnlyRename' : 'groups.ownerOnlyNotice');
      if ((group[field] ?? '') === value) return;
      await this.groups.saveGroupField(id, field, value, transaction);
      const [ owner ] = await this.groups.listIdentities(id, [ userId ], transaction);
      await this.service.groups.notices.store(transaction, { ...group, [field]: value }, this.service.groups.notices.author(owner),
        field === 'name' ? texts.renamed(value) : texts.announcement(value));
    });
  }

  /** groupnickname: the caller's nickname in the group (members only). */
  async setNickname(userId: number, id: number, nickname: string): Promise<void> {
    liveGroup(await this.groups.findGroup(id));
    const mine = await this.groups.findMembership(id, userId);
    if (mine?.status !== MEMBER_STATUS) throw new ForbiddenError('groups.nicknameNotMember');
    if (mine.nickname === nickname) return;
    await this.groups.saveMemberNickname(id, userId, nickname);
  }

  /** groupAddUserSet: the owner sets who may join without approval; pending requests stay pending. */
  async setInviteConfirm(userId: number, id: number, value: number): Promise<void> {
    await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.lockLive(id, transaction);
      if (group.user_id !== userId) throw new ForbiddenError('groups.ownerOnly');
      if (group.invite_confirm !== value) await this.groups.saveInviteConfirm(id, value, transaction);
    });
  }

  /**
   * groupDeleteOrQuit: the owner dismisses (the dismissal use case below), a member leaves (the
   * owner told), an applicant withdraws (no one told).
   */
  async leave(userId: number, id: number): Promise<void> {
    const { timezone } = this.config.im.user;
    const { notices } = this.service.groups;
    const after = await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.lockLive(id, transaction);
      const mine = await this.groups.findMembership(id, userId, transaction);
      if (!mine) throw new ForbiddenError('groups.quitNotMember');
      if (group.user_id === userId) return this.dismissLocked(transaction, group, { owner: userId });
      const [ me ] = await this.groups.listIdentities(id, [ userId ], transaction);
      const from = notices.author(me);
      await this.groups.removeMembership(id, userId, transaction);
      if (mine.status === APPLICANT_STATUS) return null;
      const avatar = await this.service.groups.membership.refreshAvatar(group, transaction);
      return { to: [ group.user_id ], notice: groupNotice(from, groupView({ ...group, avatar }, timezone), texts.quit(from.name, formatLocal(new Date(), timezone))) };
    });
    if (after) await notices.send(after.to, after.notice);
  }

  /**
   * Dismissal by an operator of the console (CONTRACT-admin §4): the same rule as the owner's
   * (dismissLocked), on a group of any status (a banned group can be dismissed); 404 when it does
   * not exist.
   */
  async dismiss(id: number, actor: GroupActor): Promise<void> {
    const after = await lockingTransaction(this.ctx.model, async transaction =>
      this.dismissLocked(transaction, await this.lockFor(id, actor, transaction), actor));
    await this.service.groups.notices.send(after.to, after.notice);
  }

  /**
   * The dismissal rule, under the group row's lock: the group, its memberships and applications
   * deleted (messages stay, unreachable); every member is told, from the owner, after the commit
   * (the caller sends `notice` to `to`). The operator's audit entry is written here, inside.
   */
  private async dismissLocked(transaction: Transaction, group: GroupRow, actor: GroupActor) {
    const { timezone } = this.config.im.user;
    const members = await this.groups.listMemberIds(group.id, Number.MAX_SAFE_INTEGER, transaction);
    const from = await this.ownerAuthor(group, transaction);
    await this.groups.removeGroup(group.id, transaction);
    if ('operator' in actor) await actor.operator(transaction, group);
    return { to: members, notice: groupNotice(from, groupView(group, timezone), texts.dismissed(formatLocal(new Date(), timezone))) };
  }

  /**
   * groupTransfer (the owner) and the console's transfer (an operator): the group goes to another
   * member (404 when not a member or gone, 400 for the current owner), the avatar is recomputed
   * and the stored notice, from the old owner, reaches the members.
   */
  async transfer(id: number, newOwnerId: number, actor: GroupActor): Promise<void> {
    await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.lockFor(id, actor, transaction);
      const identities = await this.groups.listIdentities(id, [ newOwnerId, group.user_id ], transaction);
      const heir = identities.find(user => user.id === newOwnerId);
      // A gone member cannot take the group over (gone users are invisible).
      if (!heir || heir.member_status !== MEMBER_STATUS || isGone(heir)) throw new NotFoundError('groups.memberNotFound');
      if ('owner' in actor && group.user_id !== actor.owner) throw new ForbiddenError('groups.ownerOnly');
      if (newOwnerId === group.user_id) throw new BadRequestError('groups.transferSelf');
      const owner = identities.find(user => user.id === group.user_id);
      const from = owner ? this.service.groups.notices.author(owner) : this.bareAuthor(group);
      await this.groups.saveOwner(id, newOwnerId, transaction);
      const avatar = await this.service.groups.membership.refreshAvatar(group, transaction);
      const { notices } = this.service.groups;
      await notices.store(transaction, { ...group, user_id: newOwnerId, avatar }, from, texts.transferred(notices.author(heir).name));
      if ('operator' in actor) await actor.operator(transaction, group);
    });
  }

  /**
   * Ban (status 2) or unban (status 1) by an operator (CONTRACT-admin §4): a banned group answers
   * 404 on every group route and on sendmessage (liveGroup), and leaves the members' group lists;
   * its rows stay. 404 when the group does not exist; the same status again changes nothing.
   */
  async setStatus(id: number, status: typeof BANNED_STATUS | typeof LIVE_STATUS, actor: OperatorActor): Promise<void> {
    await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.lockFor(id, actor, transaction);
      if (group.status !== status) await this.groups.saveGroupStatus(id, status, transaction);
      await actor.operator(transaction, group);
    });
  }

  /** The group row locked: live for its owner (the API's 404 otherwise), any status for an operator. */
  private async lockFor(id: number, actor: GroupActor, transaction: Transaction): Promise<GroupRow> {
    if ('owner' in actor) return this.lockLive(id, transaction);
    const group = await this.groups.lockGroup(id, transaction);
    if (!group) throw new NotFoundError('groups.notFound');
    return group;
  }

  /** The owner as the group shows them (the dismissal's and the transfer's sender); a vanished user row leaves a bare id. */
  private async ownerAuthor(group: GroupRow, transaction: Transaction): Promise<NoticeSender & { id: number }> {
    const [ owner ] = await this.groups.listIdentities(group.id, [ group.user_id ], transaction);
    return owner ? this.service.groups.notices.author(owner) : this.bareAuthor(group);
  }

  private bareAuthor(group: GroupRow): NoticeSender & { id: number } {
    return { id: group.user_id, name: '', avatar: '' };
  }
}
