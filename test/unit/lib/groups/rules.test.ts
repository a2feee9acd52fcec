// The groups field rules (app/lib/groups/rules.ts) through egg-validate's own engine (parameter)
// with the app's options and custom rules, down to the contract's texts (config/locale/zh-CN.json).
import { strict as assert } from 'node:assert';
import zhTexts from '../../../../config/locale/zh-CN.json';
import {
  addUserSetRules, agreeRules, createRules, groupsRules, idRules, inviteRules, listRules, nameRules, nicknameRules,
  pageWindow, parseUserIds, remarkRules,
} from '../../../../app/lib/groups/rules';
import { customRules, ParamError, validationError } from '../../../../app/lib/rules';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Parameter = require('parameter');

const validator = new Parameter({ convert: false, validateRoot: true });
for (const [ name, check ] of Object.entries({ ...customRules, ...groupsRules })) validator.addRule(name, check);

/** The 422 text the route would answer for `body`, or undefined when it passes; `body` is trimmed in place like a request's. */
function textOf(rules: Record<string, unknown>, body: Record<string, unknown>): string | undefined {
  const errors: ParamError[] | undefined = validator.validate(rules, body);
  if (!errors) return undefined;
  const error = validationError(errors, rules);
  const [ section, name ] = error.key.split('.');
  const template = (zhTexts as unknown as Record<string, Record<string, string>>)[section][name];
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(error.params[key]));
}

const USER_IDS_TEXT = 'userIds 应为 1-499 个好友 id 组成的数组';
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

describe('app/lib/groups/rules', () => {
  it('parseUserIds: a JSON array, a form array of strings, a JSON string of an array; duplicates skipped in first-seen order', () => {
    assert.deepEqual(parseUserIds([ 3, 1, 2 ]), [ 3, 1, 2 ]);
    assert.deepEqual(parseUserIds([ '3', '1' ]), [ 3, 1 ]);
    assert.deepEqual(parseUserIds('[5,"6",5]'), [ 5, 6 ]);
    assert.deepEqual(parseUserIds([ 7, '7', 8, 7 ]), [ 7, 8 ]);
    assert.deepEqual(parseUserIds([ 4294967295 ]), [ 4294967295 ]);
    assert.deepEqual(parseUserIds(range(499)), range(499));
  });

  it('parseUserIds: null for anything else (one bad entry included), empty or more than 499 entries', () => {
    for (const bad of [[], range(500), [ 0 ], [ -1 ], [ 1.5 ], [ '01' ], [ ' 1' ], [ 4294967296 ], [ 1, null ], [ 1, [ 2 ]], [ 1, { id: 2 }], [ true ],
      '1', '[]', '[1,', '{"0":1}', 5, {}, { 0: 1 }, '"[1]"' ]) {
      assert.equal(parseUserIds(bad), null, JSON.stringify(bad));
    }
  });

  it('create: userIds missing, null or "" -> 不能为空; any other wrong value -> the array text', () => {
    for (const body of [{}, { userIds: null }, { userIds: '' }]) assert.equal(textOf(createRules, body), 'userIds 不能为空', JSON.stringify(body));
    for (const userIds of [[], range(500), [ 1, 'x' ], 'abc', 3, { a: 1 }]) assert.equal(textOf(createRules, { userIds }), USER_IDS_TEXT, JSON.stringify(userIds));
    assert.equal(textOf(createRules, { userIds: [ 1, 2 ] }), undefined);
    assert.equal(textOf(createRules, { userIds: '[1,2]' }), undefined);
    assert.equal(textOf(createRules, { userIds: [ '1', '2' ] }), undefined);
  });

  it('ids: the integer rule, 1-4294967295, missing/""/null -> 不能为空', () => {
    assert.equal(textOf(idRules, { id: 5 }), undefined);
    assert.equal(textOf(idRules, { id: '4294967295' }), undefined);
    for (const body of [{}, { id: '' }, { id: null }]) assert.equal(textOf(idRules, body), 'id 不能为空');
    for (const id of [ 0, '0', 4294967296, -1, '1.0', 'a', ' 1', [ 1 ]]) assert.equal(textOf(idRules, { id }), 'id 应为 1-4294967295 之间的整数', String(id));
    assert.equal(textOf(agreeRules, { group_id: 1, user_id: 'x', type: 'agree' }), 'user_id 应为 1-4294967295 之间的整数');
  });

  it('grouplist: page 1-4294967295 and limit 1-100, both optional; the window they make', () => {
    assert.equal(textOf(listRules, {}), undefined);
    assert.equal(textOf(listRules, { page: '2', limit: '100' }), undefined);
    assert.equal(textOf(listRules, { page: '0' }), 'page 应为 1-4294967295 之间的整数');
    assert.equal(textOf(listRules, { limit: '101' }), 'limit 应为 1-100 之间的整数');
    assert.deepEqual(pageWindow(undefined, undefined), { offset: 0, limit: 30 });
    assert.deepEqual(pageWindow(3, 10), { offset: 20, limit: 10 });
  });

  it('name 1-20, nickname 1-20: trimmed, characters counted, no control characters; blank -> 不能为空', () => {
    const body = { id: 1, name: '  群😀聊  ' };
    assert.equal(textOf(nameRules, body), undefined);
    assert.equal(body.name, '群😀聊', 'trimmed in place');
    assert.equal(textOf(nameRules, { id: 1, name: '😀'.repeat(20) }), undefined);
    assert.equal(textOf(nameRules, { id: 1, name: 'x'.repeat(21) }), 'name 长度应为 1-20 位');
    assert.equal(textOf(nameRules, { id: 1, name: '   ' }), 'name 不能为空');
    assert.equal(textOf(nameRules, { id: 1, name: 'a\nb' }), 'name 不能包含控制字符');
    assert.equal(textOf(nameRules, { id: 1, name: 7 }), 'name 必须是字符串');
    assert.equal(textOf(nicknameRules, { id: 1, nickname: 'y'.repeat(21) }), 'nickname 长度应为 1-20 位');
    assert.equal(textOf(nicknameRules, { id: 1, nickname: null }), 'nickname 不能为空');
  });

  it('remark 1-500: line feeds allowed, other control characters refused', () => {
    assert.equal(textOf(remarkRules, { id: 1, remark: '第一行\n\n第二行' }), undefined);
    assert.equal(textOf(remarkRules, { id: 1, remark: 'r'.repeat(500) }), undefined);
    assert.equal(textOf(remarkRules, { id: 1, remark: 'r'.repeat(501) }), 'remark 长度应为 1-500 位');
    assert.equal(textOf(remarkRules, { id: 1, remark: 'a\tb' }), 'remark 不能包含控制字符');
    assert.equal(textOf(remarkRules, { id: 1, remark: '' }), 'remark 不能为空');
  });

  it('invite: inviteuser_id -1 or an id, optional; addGroupDesc at most 500', () => {
    assert.equal(textOf(inviteRules, { group_id: 1, user_id: 2 }), undefined);
    for (const inviteuser_id of [ -1, '-1', 9, '9' ]) assert.equal(textOf(inviteRules, { group_id: 1, user_id: 2, inviteuser_id }), undefined, String(inviteuser_id));
    for (const inviteuser_id of [ -2, 0, 'x', 1.5 ]) {
      assert.equal(textOf(inviteRules, { group_id: 1, user_id: 2, inviteuser_id }), 'inviteuser_id 应为 -1 或 1-4294967295 之间的整数', String(inviteuser_id));
    }
    assert.equal(textOf(inviteRules, { group_id: 1, user_id: 2, addGroupDesc: 'd'.repeat(501) }), 'addGroupDesc 长度应为 0-500 位');
  });

  it('addGroupSet 0/1/2 and type agree/no, with the contract texts', () => {
    for (const addGroupSet of [ 0, 1, 2, '0', '2' ]) assert.equal(textOf(addUserSetRules, { group_id: 1, addGroupSet }), undefined);
    for (const addGroupSet of [ 3, '3', -1, 'a', true ]) assert.equal(textOf(addUserSetRules, { group_id: 1, addGroupSet }), 'addGroupSet 只能是 0、1 或 2');
    for (const addGroupSet of [ '', null ]) assert.equal(textOf(addUserSetRules, { group_id: 1, addGroupSet }), 'addGroupSet 不能为空');
    for (const type of [ 'agree', 'no' ]) assert.equal(textOf(agreeRules, { group_id: 1, user_id: 2, type }), undefined);
    for (const type of [ 'Agree', 'yes', 1, [ 'no' ]]) assert.equal(textOf(agreeRules, { group_id: 1, user_id: 2, type }), 'type 只能是 agree 或 no');
  });
});
