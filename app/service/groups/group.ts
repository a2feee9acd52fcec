import { randomUUID } from 'node:crypto';
import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { HOUR } from '../../../config/sections/groups';
import { isGone } from '../../lib/account/standing';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { groupNotice, texts } from '../../lib/groups/notices';
import {
  APPLICANT_STATUS, composeGroupAvatar, composeGroupName, GroupRow, groupInfoView, groupView, MEMBER_STATUS,
  myGroupView, previewView,
} from '../../lib/groups/views';
import { lockingTransaction } from '../../lib/lockedTransaction';
import { formatLocal } from '../../lib/time';
import type { GroupField } from '../../repository/groups';

/** A live group: exists and status 1 (else 404 `群不存在或被封禁`). */
export function liveGroup(group: GroupRow | null): GroupRow {
  if (!group || group.status !== 1) throw new NotFoundError('groups.notFound');
  return group;
}

/**
 * The group use cases but joins (app/service/groups/membership.ts): create, the lists, the
 * owner's settings, nicknames, leaving and dismissal, transfer. Every change to members locks the
 * group row first.
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

  /** GET grouplist/:page: the caller's groups (member rows), newest first. */
  async list(userId: number, offset: number, limit: number) {
    const rows = await this.groups.listUserGroups(userId, offset, limit);
    return rows.map(row => myGroupView(row, this.config.im.user.timezone));
  }

  /** GET groupinfo/:id: every member for a member; the member ids (a preview, GROUP_PREVIEW_LIMIT an hour) for anyone else. */
  async info(userId: number, id: number) {
    const { timezone } = this.config.im.user;
    const { maxMembers, previewLimit } = this.config.im.groups;
    const group = liveGroup(await this.groups.findGroup(id));
    const mine = await this.groups.findMembership(id, userId);
    if (mine?.status === MEMBER_STATUS) return groupInfoView(group, await this.groups.listMembers(id, maxMembers), timezone);
    await this.service.rateLimit.take([ this.service.rateLimit.userBucket(userId, 'group-preview', previewLimit, HOUR) ]);
    return previewView(group, await this.groups.listMemberIds(id, maxMembers), timezone);
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
   * groupDeleteOrQuit: the owner dismisses (group, memberships and applications deleted; every
   * member told), a member leaves (the owner told), an applicant withdraws (no one told).
   */
  async leave(userId: number, id: number): Promise<void> {
    const { timezone } = this.config.im.user;
    const { notices } = this.service.groups;
    const after = await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.lockLive(id, transaction);
      const mine = await this.groups.findMembership(id, userId, transaction);
      if (!mine) throw new ForbiddenError('groups.quitNotMember');
      const [ me ] = await this.groups.listIdentities(id, [ userId ], transaction);
      const from = notices.author(me);
      const time = formatLocal(new Date(), timezone);
      if (group.user_id === userId) {
        const members = await this.groups.listMemberIds(id, Number.MAX_SAFE_INTEGER, transaction);
        await this.groups.removeGroup(id, transaction);
        return { to: members, notice: groupNotice(from, groupView(group, timezone), texts.dismissed(time)) };
      }
      await this.groups.removeMembership(id, userId, transaction);
      if (mine.status === APPLICANT_STATUS) return null;
      const avatar = await this.service.groups.membership.refreshAvatar(group, transaction);
      return { to: [ group.user_id ], notice: groupNotice(from, groupView({ ...group, avatar }, timezone), texts.quit(from.name, time)) };
    });
    if (after) await notices.send(after.to, after.notice);
  }

  /**
   * groupTransfer: the owner hands the group to another member (404 when not a member, 400 for
   * the owner itself); the stored notice to the members.
   */
  async transfer(userId: number, id: number, newOwnerId: number): Promise<void> {
    await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.lockLive(id, transaction);
      const identities = await this.groups.listIdentities(id, [ userId, newOwnerId ], transaction);
      const owner = identities.find(user => user.id === userId)!;
      const heir = identities.find(user => user.id === newOwnerId);
      // A gone member cannot take the group over (gone users are invisible).
      if (!heir || heir.member_status !== MEMBER_STATUS || isGone(heir)) throw new NotFoundError('groups.memberNotFound');
      if (group.user_id !== userId) throw new ForbiddenError('groups.ownerOnly');
      if (newOwnerId === userId) throw new BadRequestError('groups.transferSelf');
      await this.groups.saveOwner(id, newOwnerId, transaction);
      const avatar = await this.service.groups.membership.refreshAvatar(group, transaction);
      const { notices } = this.service.groups;
      await notices.store(transaction, { ...group, user_id: newOwnerId, avatar }, notices.author(owner), texts.transferred(notices.author(heir).name));
    });
  }
}
