import { strict as assert } from 'node:assert';
import { ValidationError } from '../../../../app/lib/errors';
import { channelUser, eventChannel } from '../../../../app/lib/messaging/keys';
import { objectFrom, parseSendMessage } from '../../../../app/lib/messaging/messageInput';
import { messageObject, revokeNotice, revokedData } from '../../../../app/lib/messaging/messageView';
import { parseRevoke } from '../../../../app/lib/messaging/rules';
import { compareEntryIds } from '../../../../app/lib/messaging/streamIds';

const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    const e = err as ValidationError;
    return [ e.key, e.params?.field ].filter(Boolean).join(':');
  }
  return 'ok';
};

describe('app/lib/messaging', () => {
  it('compares stream ids as numbers, not strings', () => {
    assert.equal(compareEntryIds('9-0', '10-0'), -1);
    assert.equal(compareEntryIds('10-2', '10-10'), -1);
    assert.equal(compareEntryIds('1700000000000-5', '1700000000000-5'), 0);
    assert.equal(compareEntryIds('1700000000001-0', '1700000000000-99'), 1);
  });

  it('names channels with the user id as hash tag and reads them back', () => {
    assert.equal(eventChannel('im:ev:', 42), 'im:ev:{42}');
    assert.equal(channelUser('im:ev:', 'im:ev:{42}'), 42);
    assert.equal(channelUser('im:ev:', 'other:{42}'), null);
    assert.equal(channelUser('im:ev:', 'im:ev:{4x}'), null);
  });

  it('reads objects from JSON and URI-encoded JSON (as the course client sends options)', () => {
    assert.deepEqual(objectFrom(encodeURIComponent(JSON.stringify({ a: 1 })), true), { a: 1 });
    assert.deepEqual(objectFrom('{"a":"%"}', true), { a: '%' });
    assert.equal(objectFrom('%E0%A4%A', true), null);
    assert.equal(objectFrom('[1]'), null);
    // JSON's whitespace before the brace is JSON; other spaces, and texts that are not objects, are not.
    assert.deepEqual(objectFrom(' \t\r\n{"a":1}'), { a: 1 });
    assert.deepEqual(objectFrom('%20%7B%7D', true), {});
    assert.equal(objectFrom('\u00a0{}'), null);
    assert.equal(objectFrom('null'), null);
    assert.equal(objectFrom('"{}"'), null);
    assert.deepEqual(objectFrom('%7B%7D', true), {});
    assert.equal(objectFrom(5), null);
  });

  it('checks sendmessage fields in the contract\'s order', () => {
    const base = { sendto_id: 2, chatType: 'single', type: 'text', data: { data: 'x' } };
    assert.equal(reason(() => parseSendMessage([ 1 ], 1)), 'validation.required:sendto_id');
    assert.equal(reason(() => parseSendMessage({ ...base, sendto_id: '1e3' }, 1)), 'messaging.validation.positiveInteger:sendto_id');
    assert.equal(reason(() => parseSendMessage({ ...base, chatType: 'x', type: 'bad' }, 1)), 'messaging.validation.chatType');
    assert.equal(reason(() => parseSendMessage({ ...base, type: 'bad', data: 1 }, 1)), 'messaging.validation.type');
    assert.equal(reason(() => parseSendMessage({ ...base, data: 1, options: 1 }, 1)), 'messaging.validation.data');
    assert.equal(reason(() => parseSendMessage({ ...base, options: 1, client_msg_id: '!' }, 1)), 'messaging.validation.options');
    assert.equal(reason(() => parseSendMessage({ ...base, client_msg_id: '!' }, 2)), 'messaging.validation.clientMsgId');
    assert.equal(reason(() => parseSendMessage(base, 2)), 'messaging.validation.self');
  });

  it('stores data canonically: exactly data, dataType, otherData; unknown keys dropped', () => {
    const input = parseSendMessage({ to_id: '2', chatType: 'single', type: 'iconMenus', data: JSON.stringify({ otherData: { t: 1 }, extra: 1, data: { n: 'smile' } }) }, 1);
    assert.equal(input.data, '{"data":{"n":"smile"},"dataType":false,"otherData":{"t":1}}');
    assert.deepEqual(input.options, {});
    assert.equal(input.sendtoId, 2);
  });

  it('builds the message object and the revoke notice from one row', () => {
    const row = {
      id: 7, conversation_id: 1, seq: 3, from_id: 1, to_id: 2, chat_type: 1, type: 'text', data: '{"data":"x","dataType":false,"otherData":null}',
      options: null, from_name: 'a', from_avatar: 'A', to_name: 'b', to_avatar: 'B', send_uuid: 'u', isremove: 0,
      create_time: new Date(1000), revoke_time: null,
    };
    assert.deepEqual(messageObject(row), {
      id: '7', from_avatar: 'A', from_name: 'a', from_id: 1, to_id: 2, to_name: 'b', to_avatar: 'B', chatType: 'single', type: 'text',
      data: row.data, options: {}, create_time: 1000, isremove: 0, sendUUid: 'u', seq: 3,
    });
    const revoked = { ...row, isremove: 1, data: revokedData('甲'), revoke_time: new Date(2000) };
    assert.deepEqual(revokeNotice(revoked).data, { data: '甲撤回了一条消息', dataType: false, otherData: null });
    assert.equal(revokeNotice(revoked).create_time, 2000);
    assert.equal(messageObject({ ...row, type: 'systemNotice', data: '{"data":"n"}' }).data.constructor, Object);
  });

  it('builds a group row\'s objects with its stored G: message (group, sendUUid, seq), stored notice (group, seq), revoke notice (group)', () => {
    const g = { create_time: '2026-12-07 08:00:00', id: 5, uuid: 'g', user_id: 1, name: 'G', avatar: 'A,B', remark: '', invite_confirm: 0, status: 1, order: 50 };
    const row = {
      id: 9, conversation_id: 4, seq: 2, from_id: 1, to_id: 5, chat_type: 2, type: 'text', data: '{"data":"x","dataType":false,"otherData":null}',
      options: null, from_name: 'a', from_avatar: 'A', to_name: 'G', to_avatar: 'A,B', send_uuid: 'u', group_json: JSON.stringify(g), from_ref: null,
      isremove: 0, create_time: new Date(1000), revoke_time: null,
    };
    const message = messageObject(row);
    assert.deepEqual(Object.keys(message), [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type',
      'data', 'options', 'create_time', 'isremove', 'group', 'sendUUid', 'seq' ]);
    assert.deepEqual(message.group, g);
    assert.equal(message.chatType, 'group');
    const notice = messageObject({ ...row, type: 'systemNotice', data: '{"data":"n","dataType":false,"otherData":null}', from_id: 0, from_ref: 'redirect-x' });
    assert.deepEqual(Object.keys(notice).slice(-3), [ 'isremove', 'group', 'seq' ]);
    assert.equal(notice.from_id, 'redirect-x');
    const revoked = revokeNotice({ ...row, isremove: 1, data: revokedData('a'), revoke_time: new Date(2000) });
    assert.deepEqual(revoked.group, g);
    assert.equal(revoked.chatType, 'group');
  });

  it('revokeMessage fields: required in order, malformed id is an unknown message', () => {
    assert.equal(reason(() => parseRevoke({ chatType: 'single' })), 'validation.required:id');
    assert.equal(reason(() => parseRevoke({ id: '1', chatType: 'single', to_id: '0' })), 'messaging.validation.positiveInteger:to_id');
    assert.equal(reason(() => parseRevoke({ id: '01', chatType: 'single', to_id: '2' })), 'messaging.error.messageNotFound');
    assert.equal(reason(() => parseRevoke({ id: '99999999999999999999', chatType: 'single', to_id: '2' })), 'messaging.error.messageNotFound');
    assert.deepEqual(parseRevoke({ id: 12, chatType: 'single', to_id: 2 }), { id: '12', chatType: 'single', toId: 2 });
  });
});
