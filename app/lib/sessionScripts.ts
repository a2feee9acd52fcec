// A user's sessions live in one sorted set, member = session id, score = expiry (ms).
// One key per user keeps every operation atomic and Redis Cluster safe, and checking a
// session is a single ZSCORE.

// KEYS[1] sessions key; ARGV: sid, now ms, expiry ms, max sessions, "single" | "multi".
// Returns the session ids it revoked.
export const OPEN_SESSION = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local revoked = {}
if ARGV[5] == 'single' then
  revoked = redis.call('ZRANGE', KEYS[1], 0, -1)
  redis.call('DEL', KEYS[1])
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if excess > 0 then
  for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) do table.insert(revoked, sid) end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return revoked
`;
