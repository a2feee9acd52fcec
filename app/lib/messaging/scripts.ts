// Lua scripts of the inbox and the cursors (README "Messaging"). Each touches the keys of one
// user only ({uid} hash tag), so it runs on Redis Cluster too.

// Stream ids compared as numbers (ms, then seq).
const LESS = `
local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parts(a)
  local bm, bs = parts(b)
  if am ~= bm then return am < bm end
  return as < bs
end
`;

// KEYS[1] inbox; ARGV: max entries, oldest id kept (ms of now - INBOX_TTL), ttl ms, then the
// entry's field/value pairs. Appends one entry, trims by count and age, and returns
// { new id, id of the entry before it ("0-0" if none) }: a socket that sent exactly that
// previous entry can send this one straight from the event.
export const APPEND_ENTRY = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = '0-0'
if #last > 0 then prev = last[1][1] end
local args = { 'XADD', KEYS[1], 'MAXLEN', ARGV[1], '*' }
for i = 4, #ARGV do args[#args + 1] = ARGV[i] end
local id = redis.call(unpack(args))
redis.call('XTRIM', KEYS[1], 'MINID', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { id, prev }
`;

// KEYS[1] cursors; ARGV: sid, now ms, ttl ms. A new session starts at the furthest cursor of
// the user's sessions, or at the inbox start. Returns that position.
export const START_CURSOR = `
local start = redis.call('HGET', KEYS[1], '_max') or '0-0'
redis.call('HSET', KEYS[1], ARGV[1], start, 'seen:' .. ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return start
`;

// KEYS[1] cursors, KEYS[2] open sockets, KEYS[3] the user's open counter; ARGV: sid, now ms,
// ttl ms, socket id, max sockets per session, event channel, then the live session ids. On
// connect: drops the cursors of sessions that no longer exist, marks the session seen, and
// registers the socket with the next open number of the user (its order: the highest open
// number of a session is its active socket). Sockets of the session beyond the ceiling, oldest
// first, are unregistered. When the session has other sockets, publishes the 'open' event here,
// so events reach every process in the order Redis registered the opens. Returns { the
// session's cursor (started as at login if it has none), number of the session's sockets, the
// open number, the unregistered socket ids }. A session that is not among the live ones (a
// logout since the handshake) gets {} and nothing is written.
export const OPEN_SOCKET = `
local live = {}
for i = 7, #ARGV do live[ARGV[i]] = true end
if not live[ARGV[1]] then return {} end
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  local sid = f
  if string.sub(f, 1, 5) == 'seen:' then sid = string.sub(f, 6) end
  if sid ~= '_max' and not live[sid] then redis.call('HDEL', KEYS[1], f) end
end
local cursor = redis.call('HGET', KEYS[1], ARGV[1])
if not cursor then
  cursor = redis.call('HGET', KEYS[1], '_max') or '0-0'
  redis.call('HSET', KEYS[1], ARGV[1], cursor)
end
redis.call('HSET', KEYS[1], 'seen:' .. ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local order = redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
local prefix = ARGV[1] .. ' '
redis.call('ZADD', KEYS[2], order, prefix .. ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local same = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if string.sub(m, 1, #prefix) == prefix then same[#same + 1] = m end
end
local result = { cursor, #same, order }
local dropped = {}
for i = 1, #same - tonumber(ARGV[5]) do
  redis.call('ZREM', KEYS[2], same[i])
  local id = string.sub(same[i], #prefix + 1)
  result[#result + 1] = id
  dropped[#dropped + 1] = cjson.encode(id)
end
if #same > 1 then
  redis.call('PUBLISH', ARGV[6], '{"t":"open","s":' .. cjson.encode(ARGV[1]) .. ',"c":' .. cjson.encode(ARGV[4]) ..
    ',"n":' .. order .. ',"x":[' .. table.concat(dropped, ',') .. ']}')
end
return result
`;

// KEYS[1] open sockets; ARGV: sid, socket id, event channel. On close: unregisters the socket;
// if it was the session's active one (its highest open number), the session's next newest
// socket becomes active: publishes a 'promote' event naming it (a session with an open socket
// always has an active one). Returns 1 if a socket was promoted.
export const CLOSE_SOCKET = `
local prefix = ARGV[1] .. ' '
local member = prefix .. ARGV[2]
local score = redis.call('ZSCORE', KEYS[1], member)
if not score then return 0 end
redis.call('ZREM', KEYS[1], member)
local best, bestScore = nil, nil
local rows = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #rows, 2 do
  if string.sub(rows[i], 1, #prefix) == prefix then
    if tonumber(rows[i + 1]) > tonumber(score) then return 0 end
    best, bestScore = rows[i], rows[i + 1]
  end
end
if not best then return 0 end
redis.call('PUBLISH', ARGV[3], '{"t":"promote","s":' .. cjson.encode(ARGV[1]) .. ',"c":' .. cjson.encode(string.sub(best, #prefix + 1)) ..
  ',"n":' .. bestScore .. ',"w":' .. score .. '}')
return 1
`;

// KEYS[1] cursors, KEYS[2] inbox; ARGV: sid, entry id, now ms, active window ms, ttl ms.
// Moves the session's cursor forward (never back) to the entry its device confirmed, and
// `_max` with it; then drops the inbox entries before both `_max` and the cursor of every
// session seen within the window. The confirmed entry itself stays: the next append names it
// as its predecessor, so a socket that sent it can send the new one straight from the event.
// Returns 1 if the cursor moved.
export const ACK_CURSOR = `${LESS}
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and not less(cur, ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'seen:' .. ARGV[1], ARGV[3])
local max = redis.call('HGET', KEYS[1], '_max')
if not max or less(max, ARGV[2]) then
  max = ARGV[2]
  redis.call('HSET', KEYS[1], '_max', max)
end
local all = redis.call('HGETALL', KEYS[1])
local map = {}
for i = 1, #all, 2 do map[all[i]] = all[i + 1] end
local floor = max
local since = tonumber(ARGV[3]) - tonumber(ARGV[4])
for field, value in pairs(map) do
  if string.sub(field, 1, 5) == 'seen:' and tonumber(value) >= since then
    local c = map[string.sub(field, 6)] or '0-0'
    if less(c, floor) then floor = c end
  end
end
if floor ~= '0-0' then redis.call('XTRIM', KEYS[2], 'MINID', floor) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

// A session's cursor is read by one socket at a time, the one holding it: a confirmation that
// socket could not write (Redis down) is still in its process, which writes it before it lets go
// (RELEASE_HOLD). KEYS[1] holds, KEYS[2] cursors; ARGV: sid, socket id, process id, ttl ms, the
// hold to take over ('' = none: only from a process that is gone). Returns { 1, the session's
// cursor } once this socket holds it, or { 0, the current hold "<socket id> <process id>" }.
export const TAKE_HOLD = `
local held = redis.call('HGET', KEYS[1], ARGV[1])
local mine = ARGV[2] .. ' '
if held and string.sub(held, 1, #mine) ~= mine and held ~= ARGV[5] then return { 0, held } end
redis.call('HSET', KEYS[1], ARGV[1], mine .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return { 1, redis.call('HGET', KEYS[2], ARGV[1]) or redis.call('HGET', KEYS[2], '_max') or '0-0' }
`;

// KEYS[1] holds; ARGV: sid, socket id. Lets go of the session's cursor if this socket holds it.
export const RELEASE_HOLD = `
local held = redis.call('HGET', KEYS[1], ARGV[1])
local mine = ARGV[2] .. ' '
if held and string.sub(held, 1, #mine) == mine then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;
