import { Controller } from 'egg';
import {
  addUserSetRules, createRules, idRules, listRules, nameRules, nicknameRules, pageWindow, parseUserIds, remarkRules, splitPage, transferRules,
} from '../../lib/groups/rules';
import { toInt } from '../../lib/rules';

// CONTRACT-groups §A: the group itself (create, lists, settings, leaving, transfer).
export default class GroupController extends Controller {
  /** POST /api/chat/group/create. */
  async create() {
    const { ctx } = this;
    const { userIds } = ctx.check(createRules);
    await ctx.service.groups.group.create(ctx.state.session.id, parseUserIds(userIds)!);
    ctx.ok('ok');
  }

  /** GET /api/chat/grouplist/:page?limit= (also `/grouplist/1&limit=3`). */
  async list() {
    const { ctx } = this;
    const { page, extra } = splitPage(ctx.params.page);
    const { limit } = ctx.check(listRules, { page, ...extra, ...ctx.query });
    const window = pageWindow(toInt(page), toInt(limit));
    ctx.okEncoded(await ctx.service.groups.group.listJson(ctx.state.session.id, window.offset, window.limit));
  }

  /** GET /api/chat/groupinfo/:id. */
  async info() {
    const { ctx } = this;
    const { id } = ctx.check(idRules, ctx.params);
    ctx.okEncoded(await ctx.service.groups.group.infoJson(ctx.state.session.id, toInt(id)!));
  }

  /** POST /api/chat/groupUpdateName. */
  async rename() {
    const { ctx } = this;
    const { id, name } = ctx.check(nameRules);
    await ctx.service.groups.group.setText(ctx.state.session.id, toInt(id)!, 'name', name);
    ctx.ok('ok');
  }

  /** POST /api/chat/groupremark: the announcement. */
  async remark() {
    const { ctx } = this;
    const { id, remark } = ctx.check(remarkRules);
    await ctx.service.groups.group.setText(ctx.state.session.id, toInt(id)!, 'remark', remark);
    ctx.ok('ok');
  }

  /** POST /api/chat/groupnickname. */
  async nickname() {
    const { ctx } = this;
    const { id, nickname } = ctx.check(nicknameRules);
    await ctx.service.groups.group.setNickname(ctx.state.session.id, toInt(id)!, nickname);
    ctx.ok('ok');
  }

  /** POST /api/chat/groupAddUserSet. */
  async setInviteConfirm() {
    const { ctx } = this;
    const { group_id, addGroupSet } = ctx.check(addUserSetRules);
    await ctx.service.groups.group.setInviteConfirm(ctx.state.session.id, toInt(group_id)!, Number(addGroupSet));
    ctx.ok('设置成功');
  }

  /** POST /api/chat/groupDeleteOrQuit. */
  async quit() {
    const { ctx } = this;
    const { id } = ctx.check(idRules);
    await ctx.service.groups.group.leave(ctx.state.session.id, toInt(id)!);
    ctx.ok('ok');
  }

  /** POST /api/chat/groupTransfer. */
  async transfer() {
    const { ctx } = this;
    const { id, user_id } = ctx.check(transferRules);
    await ctx.service.groups.group.transfer(toInt(id)!, toInt(user_id)!, { owner: ctx.state.session.id });
    ctx.ok('ok');
  }
}
