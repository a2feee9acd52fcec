// Every statement of the friends repository (app/repository/friends.ts), in one place: the
// repository runs them, and `npm run bench` prints the plan of each (bench/friends.js, which
// transpiles this file alone: it imports nothing). Named parameters (:name), as Sequelize's
// replacements and mysql2's namedPlaceholders take them. Each reads one user's range of an
// index or probes a unique key (the plans in the README).

const visible = (u: string) => `${u}.status = 1 AND ${u}.is_deleted = 0`;

/** The columns goodfriend and goodfriendapply share, in the documented order. */
const PAIR_COLUMNS = [ 'id', 'user_id', 'friend_id', 'nickname', 'friendlookme', 'melookfriend', 'ismystarfriend', 'isblack', 'status' ];
const pairColumns = (alias: string) => PAIR_COLUMNS.map(column => `${alias}.${column}`).join(', ');

/** user_info's columns, LEFT JOINed as `i` (no row: all NULL). */
const USER_INFO_COLUMNS = "i.id AS info_id, i.gender, DATE_FORMAT(i.birthday, '%Y-%m-%d') AS birthday, i.bio, i.location, i.website";

// The rows of the pair (:a, :b) in both directions: two probes of the (user_id, friend_id) unique key.
const BOTH_WAYS = '(user_id = :a AND friend_id = :b) OR (user_id = :b AND friend_id = :a)';
const FRIEND_JOIN = 'goodfriend g JOIN `user` u ON u.id = g.friend_id';
// My row about :friend, the friend visible: one probe of uk_goodfriend_pair, one of the user's primary key.
const IS_MY_VISIBLE_FRIEND = `g.user_id = :me AND g.friend_id = :friend AND ${visible('u')}`;
const MY_VISIBLE_ROW = `${FRIEND_JOIN} WHERE ${IS_MY_VISIBLE_FRIEND}`;
// My visible friends: the uk_goodfriend_pair range of :me (at most FRIEND_MAX rows) in friend_id order.
const MY_LISTED_FRIENDS = `${FRIEND_JOIN} WHERE g.user_id = :me AND ${visible('u')}`;
// Pending applications to :me from visible applicants: the idx_apply_pending range (at most FRIEND_PENDING_MAX).
const PENDING_TO_ME = `SELECT COUNT(*) AS pending FROM goodfriendapply p JOIN \`user\` pu ON pu.id = p.user_id
  WHERE p.friend_id = :me AND p.status = 'pending' AND ${visible('pu')}`;
// :flag set to 0/1, or flipped when :flag is NULL.
const setFlag = (column: string) => `g.${column} = IF(:${column} IS NULL, g.${column} = 0, :${column})`;
const updateMyRow = (assignments: string, condition = '') =>
  `UPDATE ${FRIEND_JOIN} SET ${assignments}, g.update_time = :now WHERE ${IS_MY_VISIBLE_FRIEND}${condition}`;
/**
 * Whether :blocker (an SQL expression) blocks :blocked: one probe of user_block's primary key.
 * The one test of a block, used by every statement that reads one (messaging's parties too).
 */
export const BLOCKS = (blocker: string, blocked: string) =>
  `EXISTS (SELECT 1 FROM user_block WHERE blocker_id = ${blocker} AND blocked_id = ${blocked})`;
// The rows of a version table (user_id, version; kept by triggers) for `count` users, positional `?`s.
const versionsOf = (table: string, count: number) => `SELECT user_id, version FROM ${table} WHERE user_id IN (${new Array(count).fill('?').join(', ')})`;
const updateUser = (column: string) => `UPDATE \`user\` SET \`${column}\` = :value, update_time = :now WHERE id = :id`;

export const SQL = {
  // Both users' rows, lower id first, in one statement (the lock every friendship write takes first).
  lockUsers: 'SELECT id, status, is_deleted, role, invite_confirm, create_time FROM `user` WHERE id IN (:ids) ORDER BY id FOR UPDATE',

  // applyfriend, after the locks: the pair's rows and both caps, in one statement.
  pairState: `SELECT
    EXISTS (SELECT 1 FROM goodfriend WHERE user_id = :a AND friend_id = :b) AS friends,
    ${BLOCKS(':b', ':a')} AS blocked,
    (SELECT status FROM goodfriendapply WHERE user_id = :a AND friend_id = :b) AS mine_status,
    (SELECT update_time FROM goodfriendapply WHERE user_id = :a AND friend_id = :b) AS mine_time,
    (SELECT status FROM goodfriendapply WHERE user_id = :b AND friend_id = :a) AS theirs_status,
    (SELECT COUNT(*) FROM goodfriend WHERE user_id = :a) AS my_friends,
    (SELECT COUNT(*) FROM goodfriendapply WHERE friend_id = :b AND status = 'pending') AS target_pending`,
  // applyfriend from a new applicant to a target with many pending: those from new applicants
  // (visitors, accounts made after :since), over the idx_apply_pending range (at most FRIEND_PENDING_MAX).
  newPendingTo: `SELECT COUNT(*) AS pending FROM goodfriendapply p JOIN \`user\` pu ON pu.id = p.user_id
    WHERE p.friend_id = :b AND p.status = 'pending' AND (pu.role = 'visitor' OR pu.create_time > :since)`,
  deleteApplication: 'DELETE FROM goodfriendapply WHERE user_id = :a AND friend_id = :b',
  insertApplication: `INSERT INTO goodfriendapply (user_id, friend_id, nickname, status, create_time, update_time)
    VALUES (:a, :b, :note, 'pending', :now, :now)`,

  // listapplyfriend: a page of my inbox (idx_apply_inbox backwards: without FORCE INDEX and the
  // friend_id in ORDER BY, MariaDB reads the inbox by idx_apply_pending and sorts it) carrying
  // the pending count; the count alone past the end.
  inboxPage: `SELECT a.create_time, ${pairColumns('a')}, a.\`order\`, a.update_time, u.username, u.avatar, u.nickname AS user_nickname, u.uuid,
      (${PENDING_TO_ME}) AS pending
    FROM goodfriendapply a FORCE INDEX (idx_apply_inbox) JOIN \`user\` u ON u.id = a.user_id
    WHERE a.friend_id = :me AND ${visible('u')}
    ORDER BY a.friend_id DESC, a.id DESC LIMIT :offset, :limit`,
  pendingToMe: PENDING_TO_ME,
  // The versions of `count` users' inboxes (apply_inbox_version, kept by triggers), positional `?`s.
  inboxVersions: (count: number) => versionsOf('apply_inbox_version', count),

  // handleapply: the application (before the locks, for its applicant; again under them).
  applicationToMe: 'SELECT user_id FROM goodfriendapply WHERE id = :id AND friend_id = :me',
  applicationStatus: 'SELECT status FROM goodfriendapply WHERE id = :id',
  setApplicationStatus: 'UPDATE goodfriendapply SET status = :status, update_time = :now WHERE id = :id',

  // isApplyfriend: the user by uuid and their pending application to me.
  pendingFrom: `SELECT u.id AS applicant, u.status AS applicant_status, u.is_deleted AS applicant_deleted, ${pairColumns('a')}
    FROM \`user\` u LEFT JOIN goodfriendapply a ON a.user_id = u.id AND a.friend_id = :me AND a.status = 'pending'
    WHERE u.uuid = :uuid`,

  // befriend: per side, its friend count and whether its row exists; then the missing rows.
  pairSides: `SELECT user_id, COUNT(*) AS total, MAX(friend_id = IF(user_id = :a, :b, :a)) AS has_row
    FROM goodfriend WHERE user_id IN (:a, :b) GROUP BY user_id`,
  // A row's isblack starts as its owner's block (befriending again does not lift a block).
  insertFriendRows: (count: number) => `INSERT INTO goodfriend (user_id, friend_id, nickname, isblack, create_time, update_time)
    VALUES ${Array.from({ length: count }, (_, i) => `(:owner${i}, :friend${i}, :remark${i}, ${BLOCKS(`:owner${i}`, `:friend${i}`)}, :now, :now)`).join(', ')}`,
  agreePending: `UPDATE goodfriendapply SET status = 'agree', update_time = :now WHERE (${BOTH_WAYS}) AND status = 'pending'`,
  agreeOwnApplication: `INSERT INTO goodfriendapply (user_id, friend_id, nickname, status, create_time, update_time)
    VALUES (:a, :b, :note, 'agree', :now, :now)
    ON DUPLICATE KEY UPDATE status = 'agree', nickname = VALUES(nickname), update_time = VALUES(update_time)`,

  // deletegoodfriend.
  myRowExists: 'SELECT id FROM goodfriend WHERE user_id = :a AND friend_id = :b',
  deleteFriendRows: `DELETE FROM goodfriend WHERE ${BOTH_WAYS}`,
  deleteApplications: `DELETE FROM goodfriendapply WHERE ${BOTH_WAYS}`,
  // Purging idle visitors: every row of theirs, both directions (the uk_goodfriend_pair and friend_id ranges).
  deleteAllFriendRows: 'DELETE FROM goodfriend WHERE user_id IN (:ids) OR friend_id IN (:ids)',
  deleteAllApplications: 'DELETE FROM goodfriendapply WHERE user_id IN (:ids) OR friend_id IN (:ids)',
  deleteAllBlocks: 'DELETE FROM user_block WHERE blocker_id IN (:ids) OR blocked_id IN (:ids)',

  // goodfriendlist: a page, and the count when the page does not tell it.
  friendPage: `SELECT g.id, g.nickname AS beizhu, u.username, u.avatar, u.nickname AS friend_nickname, g.friend_id, u.uuid
    FROM ${MY_LISTED_FRIENDS} ORDER BY g.friend_id LIMIT :offset, :limit`,
  friendCount: `SELECT COUNT(*) AS count FROM ${MY_LISTED_FRIENDS}`,
  // The versions of `count` users' friend lists (friend_list_version, kept by triggers), positional `?`s.
  listVersions: (count: number) => versionsOf('friend_list_version', count),

  // My row about a visible friend: getgoodfriendinfo, ismygoodfriend, and the flags.
  friendInfo: `SELECT g.id, g.user_id, g.friend_id, g.nickname, u.username, u.avatar, u.nickname AS friend_nickname, u.role, u.status, ${USER_INFO_COLUMNS}
    FROM ${FRIEND_JOIN} LEFT JOIN user_info i ON i.user_id = u.id WHERE ${IS_MY_VISIBLE_FRIEND}`,
  myFriendRow: `SELECT ${pairColumns('g')} FROM ${MY_VISIBLE_ROW} AND g.isblack = 0`,
  myRowBlack: `SELECT g.isblack FROM ${MY_VISIBLE_ROW}`,
  // Blocks (user_block, the owner of a block is its blocker); the blocker's goodfriend row, if
  // any, kept in step (its isblack shows the block in the response shapes).
  isBlockedBy: `SELECT ${BLOCKS(':blocker', ':blocked')} AS blocked`,
  insertBlock: 'INSERT IGNORE INTO user_block (blocker_id, blocked_id, create_time) VALUES (:blocker, :blocked, :now)',
  deleteBlock: 'DELETE FROM user_block WHERE blocker_id = :blocker AND blocked_id = :blocked',
  withdrawPending: 'DELETE FROM goodfriendapply WHERE user_id = :blocker AND friend_id = :blocked AND status = \'pending\'',
  setRowBlack: 'UPDATE goodfriend SET isblack = :isblack, update_time = :now WHERE user_id = :blocker AND friend_id = :blocked',
  setStar: updateMyRow(setFlag('ismystarfriend'), ' AND g.isblack = 0'),
  setVisibility: updateMyRow('g.friendlookme = :friendlookme, g.melookfriend = :melookfriend', ' AND g.isblack = 0'),

  // Profiles and settings.
  profileByUuid: `SELECT u.id, u.uuid, u.username, u.nickname, u.avatar, u.role, u.userset, ${USER_INFO_COLUMNS}
    FROM \`user\` u LEFT JOIN user_info i ON i.user_id = u.id
    WHERE u.uuid = :uuid AND ${visible('u')}`,
  settingsOf: `SELECT u.id, u.userset, u.invite_confirm, u.status, u.is_deleted, u.role, g.isblack, g.status AS friend_status,
      ${BLOCKS('u.id', ':me')} AS blocks_me
    FROM \`user\` u LEFT JOIN goodfriend g ON g.user_id = u.id AND g.friend_id = :me
    WHERE u.id = :other`,
  setNickname: updateUser('nickname'),
  setAvatar: updateUser('avatar'),
  setInviteConfirm: updateUser('invite_confirm'),
  setUserset: updateUser('userset'),

  // The applicant's and the target's names for the application notice.
  cards: 'SELECT id, username, nickname, avatar FROM `user` WHERE id IN (:ids)',
};
