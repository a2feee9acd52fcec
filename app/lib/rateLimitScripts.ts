// CONTRACT: abuse limits. Fixed-window counters, one Redis key per bucket. Checking and
// counting happen in one script, so concurrent attempts on any number of app processes can
// never pass a full bucket.

// KEYS: the buckets; ARGV: limit and window (ms) of each bucket, in KEYS order.
// Counts one attempt in every bucket and returns 0, or, when any bucket is full, counts
// nothing and returns the ms until the last of the full buckets' windows ends.
export const TAKE_ATTEMPT = `
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      ttl = tonumber(ARGV[2 * i])
      redis.call('PEXPIRE', key, ttl)
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2 * i]) end
end
return 0
`;

// KEYS: buckets; ARGV[i]: 'reset' deletes KEYS[i], 'refund' gives back one attempt.
export const RELEASE_ATTEMPT = `
for i, key in ipairs(KEYS) do
  if ARGV[i] == 'reset' then
    redis.call('DEL', key)
  elseif tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 0
`;

// KEYS[1]: the set of the distinct things (e.g. user ids) a caller looked at in the window;
// ARGV: the thing, the limit, the window (ms). A thing already in the set passes free; a new
// one is added and passes unless the set holds `limit` already. Returns 0, or the ms until the
// window (opened by the first thing of the set) ends.
export const TAKE_DISTINCT = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    ttl = tonumber(ARGV[3])
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
  return ttl
end
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 0
`;
