// A user's sessions live in one sorted set, member = session id, score = when it was opened
// (Redis' clock, in microseconds). One key per user keeps every operation atomic and Redis
// Cluster safe, and checking a session is a single ZSCORE. Redis' own clock orders the
// sessions of all app processes, so "the oldest" is well defined even for concurrent logins;
// the token's `exp` (checked by the app) still bounds each session.

// KEYS[1] sessions key; ARGV: sid, ttl ms, max sessions, "single" | "multi".
// Returns the session ids it revoked.
export const OPEN_SESSION = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]) * 1000)
local revoked = {}
if ARGV[4] == 'single' then
  revoked = redis.call('ZRANGE', KEYS[1], 0, -1)
  redis.call('DEL', KEYS[1])
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then
  for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) do table.insert(revoked, sid) end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return revoked
`;
