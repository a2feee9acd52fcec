// CONTRACT (files): daily upload quotas. One Redis hash per user and day (fields `files`,
// `bytes`); checking and counting happen in one script, so concurrent uploads on any number
// of processes cannot pass the quota together.

// KEYS[1]: the day's hash; ARGV: max files, max bytes, this file's size, ttl ms.
// Counts the file and returns 1, or counts nothing and returns 0 when it would not fit.
export const RESERVE_UPLOAD = `
local files = tonumber(redis.call('HGET', KEYS[1], 'files') or '0')
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
if files + 1 > tonumber(ARGV[1]) or bytes + tonumber(ARGV[3]) > tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'files', 1)
redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

// KEYS[1]: the day's hash; ARGV[1]: the size of a file that was counted but not stored.
export const RELEASE_UPLOAD = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'files', -1)
  redis.call('HINCRBY', KEYS[1], 'bytes', -tonumber(ARGV[1]))
end
return 0
`;
