import { strict as assert } from 'node:assert';
import { FriendItem, groupFriends, titleOf } from '../../../../app/lib/friends/friendGroups';

const item = (name: string, friend_id: number): FriendItem =>
  ({ id: friend_id, beizhu: '', username: name, avatar: '', friend_nickname: '', friend_id, name, uuid: '' });

describe('app/lib/friends/friendGroups', () => {
  it('titleOf: Latin letters uppercased (accents and full-width forms folded)', () => {
    for (const [ name, title ] of [[ 'alice', 'A' ], [ 'Zed', 'Z' ], [ 'émile', 'E' ], [ 'Ｚeta', 'Z' ], [ 'ǅemal', 'D' ], [ 'x', 'X' ]]) {
      assert.equal(titleOf(name), title, name);
    }
  });

  it('titleOf: Chinese by the pinyin initial of the first character', () => {
    for (const [ name, title ] of [[ '张三', 'Z' ], [ '李四', 'L' ], [ '阿明', 'A' ], [ '王', 'W' ], [ '欧阳', 'O' ], [ '吕布', 'L' ], [ '〇号', 'L' ]]) {
      assert.equal(titleOf(name), title, name);
    }
  });

  it('titleOf: # for digits, symbols, emoji, other scripts, and the empty name', () => {
    for (const name of [ '9lives', '_x', '(x)', '*', '?', '+', '[', '\\', '.', '|', '^', '$', '😀', 'Ωmega', 'ßeta', 'あい', '한국', ' a', '' ]) {
      assert.equal(titleOf(name), '#', name);
    }
  });

  it('groupFriends: A-Z then #, empty groups left out, total = number of groups', () => {
    const grouped = groupFriends([ item('zoe', 1), item('#tag', 2), item('amy', 3), item('张三', 4) ]);
    assert.deepEqual(grouped.indexList, [ 'A', 'Z', '#' ]);
    assert.equal(grouped.total, 3);
    assert.deepEqual(grouped.newList.map(g => [ g.title, g.list.map(i => i.name) ]), [[ 'A', [ 'amy' ]], [ 'Z', [ '张三', 'zoe' ]], [ '#', [ '#tag' ]]]);
  });

  it('groupFriends: zh-CN (pinyin) collation inside a group, ties by friend_id, whatever the input order', () => {
    const names: Array<[string, number]> = [[ 'zed', 9 ], [ '周', 3 ], [ '张', 8 ], [ 'Zed', 2 ], [ '赵', 1 ], [ '张', 5 ], [ 'zed', 4 ]];
    const expected = [ '张/5', '张/8', '赵/1', '周/3', 'zed/4', 'zed/9', 'Zed/2' ];
    for (const order of [ names, [ ...names ].reverse() ]) {
      const [ z ] = groupFriends(order.map(([ name, id ]) => item(name, id))).newList;
      assert.deepEqual(z.list.map(i => `${i.name}/${i.friend_id}`), expected);
    }
  });

  it('groupFriends: empty input', () => {
    assert.deepEqual(groupFriends([]), { newList: [], indexList: [], total: 0 });
  });
});
