import { Service } from 'egg';
import { Transaction, UniqueConstraintError } from 'sequelize';
import { HOUR } from '../../../config/sections/groups';
import { isGone } from '../../lib/account/standing';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors';
import { groupNotice, pendingNotice, texts } from '../../lib/groups/notices';
import { AgreeType } from '../../lib/groups/rules';
import { APPLICANT_STATUS, avatarInGroup, composeGroupAvatar, GroupRow, groupView, MEMBER_STATUS, nameInGroup } from '../../lib/groups/views';
import { lockingTransaction } from '../../lib/lockedTransaction';
import type { GroupIdentity, NewMember } from '../../repository/groups';
import { Bucket } from '../rateLimit';

/** What groupInviteUser asks. */
export interface JoinRequest {
  /** The caller (the inviter, or the user joining). */
  userId: number;
  /** The caller's role as stored (visitors may only join themselves: the controller's gate). */
  role: string;
  groupId: number;
  /** Who joins: the caller (a self-join) or a friend the caller invites. */
  inviteeId: number;
  /** addGroupDesc, trimmed ("" when absent). */
  desc: string;
}

/** What the join did: the newcomer is in, or waits for the owner. */
export type JoinOutcome = 'joined' | 'pending';

/**
 * Who joins a group and who leaves it by another's hand (CONTRACT-groups §A invite / join,
 * agreeOrNo, deleteUser): each locks the group row first, so GROUP_MAX_MEMBERS holds and a
 * dismissal cannot be raced.
 */
export default class MembershipService extends Service {
  private get groups() {
    return this.app.repos.groups;
  }

  private joinBucket(userId: number): Bucket {
    return this.service.rateLimit.userBucket(userId, 'group-join', this.config.im.groups.joinLimit, HOUR);
  }

  /**
   * The group avatar from its first 9 members in join order (avatar in the group ‖ own avatar),
   * written when it changed; resolves to it. Inside the transaction that changed the members.
   */
  async refreshAvatar(group: GroupRow, transaction: Transaction): Promise<string> {
    const sources = await this.groups.listAvatarSources(group.id, 9, transaction);
    const avatar = composeGroupAvatar(sources.map(source => source.groupAvatar || source.avatar || ''));
    if (avatar !== group.avatar) await this.groups.saveGroupField(group.id, 'avatar', avatar, transaction);
    return avatar;
  }

  /**
   * groupInviteUser: checks in the contract's order (404 group / invitee, 403 inviter / friend /
   * visitor, 409 state, 429), then the invite/join table: the owner's invites and open groups
   * (invite_confirm 0) join at once, the rest wait for the owner.
   */
  async join(request: JoinRequest): Promise<JoinOutcome> {
    const { userId, role, groupId, inviteeId, desc } = request;
    const selfJoin = inviteeId === userId;
    const bucket = this.joinBucket(userId);
    let taken = false;
    try {
      const { outcome, pending } = await lockingTransaction(this.ctx.model, async transaction => {
        const group = await this.service.groups.group.lockLive(groupId, transaction);
        const identities = await this.groups.listIdentities(groupId, [ userId, inviteeId ], transaction);
        const invitee = identities.find(user => user.id === inviteeId);
        if (!invitee || isGone(invitee)) throw new NotFoundError('groups.inviteeNotFound');
        const inviter = selfJoin ? null : identities.find(user => user.id === userId)!;
        if (inviter) {
          if (inviter.member_status !== MEMBER_STATUS) throw new ForbiddenError('groups.notMember');
          if (!await this.app.repos.friends.findFriendRow(userId, inviteeId, transaction)) throw new ForbiddenError('groups.friendsOnly');
        }
        const byOwner = group.user_id === userId;
        const direct = byOwner || group.invite_confirm === 0;
        if (selfJoin && role === 'visitor' && group.invite_confirm === 2) throw new ForbiddenError('groups.loginToApply');
        if (invitee.member_status === MEMBER_STATUS) throw new ConflictError('groups.alreadyMember');
        if (invitee.member_status === APPLICANT_STATUS) throw new ConflictError('groups.alreadyApplied');
        if (direct && await this.groups.countMembers(groupId, transaction) >= this.config.im.groups.maxMembers) throw new ConflictError('groups.full');
        // A retried transaction has its place in the bucket already.
        if (!taken) {
          await this.service.rateLimit.take([ bucket ]);
          taken = true;
        }
        const inviterName = inviter ? nameInGroup(inviter) : null;
        if (direct) {
          await this.admit(transaction, group, invitee, inviter?.id ?? null, desc, inviterName);
          return { outcome: 'joined' as JoinOutcome, pending: null };
        }
        await this.saveMember(groupId, { user_id: inviteeId, status: APPLICANT_STATUS, invited_by: inviter?.id ?? null, apply_desc: desc, join_seq: 0 }, transaction);
        return { outcome: 'pending' as JoinOutcome, pending: { group, invitee, inviterName } };
      });
      if (pending) await this.tellOwner(pending.group, pending.invitee, pending.inviterName, desc);
      return outcome;
    } catch (err) {
      if (taken) await this.service.rateLimit.release([[ bucket, 'refund' ]]).catch(() => undefined);
      throw err;
    }
  }

  /** Inserts a membership; the unique key's refusal (a parallel join of the same pair) is 409. */
  private async saveMember(groupId: number, member: NewMember, transaction: Transaction) {
    try {
      return await this.groups.saveMember(groupId, member, transaction);
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw new ConflictError(member.status === MEMBER_STATUS ? 'groups.alreadyMember' : 'groups.alreadyApplied');
      throw err;
    }
  }

  /**
   * A newcomer becomes a member (a new row: its id is the join order), reading from the group's
   * current seq on; the group avatar is recomputed and the joined notice stored, from J.
   */
  private async admit(transaction: Transaction, group: GroupRow, newcomer: GroupIdentity, invitedBy: number | null, desc: string, inviterName: string | null) {
    const { notices } = this.service.groups;
    const joinSeq = await notices.joinSeq(group.id, transaction);
    await this.saveMember(group.id, { user_id: newcomer.id, status: MEMBER_STATUS, invited_by: invitedBy, apply_desc: desc, join_seq: joinSeq }, transaction);
    const avatar = await this.refreshAvatar(group, transaction);
    await notices.store(transaction, { ...group, avatar }, notices.joinSender(group.id, newcomer.id),
      texts.joined(inviterName, nameInGroup({ ...newcomer, groupNickname: '', groupAvatar: '' })));
  }

  /** The pending notice to the owner (after the commit). */
  private async tellOwner(group: GroupRow, applicant: GroupIdentity, inviterName: string | null, desc: string): Promise<void> {
    const [ owner ] = await this.groups.listIdentities(group.id, [ group.user_id ]);
    if (!owner) return;
    const { timezone } = this.config.im.user;
    const name = nameInGroup({ ...applicant, groupNickname: '', groupAvatar: '' });
    await this.service.groups.notices.send([ owner.id ], pendingNotice({
      group: groupView(group, timezone),
      owner: { id: owner.id, name: nameInGroup(owner), avatar: avatarInGroup(owner) },
      applicant: { id: applicant.id, name, uuid: applicant.uuid, avatar: applicant.avatar ?? '', role: applicant.role },
      inviter: inviterName,
      desc,
      avatar: this.config.im.groups.noticeAvatar,
    }));
  }

  /**
   * groupAgreeOrNo: the owner admits a pending applicant (409 while the group is full; 404 and
   * the request removed when the applicant is gone) or drops the request silently.
   */
  async decide(userId: number, groupId: number, applicantId: number, type: AgreeType): Promise<void> {
    const gone = await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.service.groups.group.lockLive(groupId, transaction);
      if (group.user_id !== userId) throw new ForbiddenError('groups.ownerOnly');
      const request = await this.groups.findMembership(groupId, applicantId, transaction);
      if (request?.status !== APPLICANT_STATUS) throw new NotFoundError('groups.applicationNotFound');
      const identities = await this.groups.listIdentities(groupId, [ applicantId, ...request.invited_by ? [ request.invited_by ] : [] ], transaction);
      const applicant = identities.find(user => user.id === applicantId);
      if (type === 'no' || !applicant || isGone(applicant)) {
        await this.groups.removeMembership(groupId, applicantId, transaction);
        return type === 'agree';
      }
      if (await this.groups.countMembers(groupId, transaction) >= this.config.im.groups.maxMembers) throw new ConflictError('groups.full');
      const inviter = request.invited_by ? identities.find(user => user.id === request.invited_by) : undefined;
      await this.groups.removeMembership(groupId, applicantId, transaction);
      await this.admit(transaction, group, { ...applicant, groupNickname: '', groupAvatar: '' }, request.invited_by, request.apply_desc,
        inviter ? nameInGroup(inviter) : null);
      return false;
    });
    // Committed: the vanished applicant's request is gone.
    if (gone) throw new NotFoundError('groups.applicantGone');
  }

  /**
   * groupDeleteUser: the owner removes a member (told after the commit) or an applicant's
   * request (no one told).
   */
  async remove(userId: number, groupId: number, targetId: number): Promise<void> {
    const { timezone } = this.config.im.user;
    const after = await lockingTransaction(this.ctx.model, async transaction => {
      const group = await this.service.groups.group.lockLive(groupId, transaction);
      const target = await this.groups.findMembership(groupId, targetId, transaction);
      if (!target) throw new NotFoundError('groups.memberNotFound');
      if (group.user_id !== userId) throw new ForbiddenError('groups.ownerOnly');
      if (targetId === userId) throw new BadRequestError('groups.removeSelf');
      await this.groups.removeMembership(groupId, targetId, transaction);
      if (target.status === APPLICANT_STATUS) return null;
      const avatar = await this.refreshAvatar(group, transaction);
      const [ owner ] = await this.groups.listIdentities(groupId, [ userId ], transaction);
      return groupNotice(this.service.groups.notices.author(owner), groupView({ ...group, avatar }, timezone), texts.removed);
    });
    if (after) await this.service.groups.notices.send([ targetId ], after);
  }
}
