// CONTRACT (files, getVideoScreenshot): at most FFMPEG_JOBS (default: the cores) ffmpeg jobs
// at once per HOST, whatever the number of worker processes. One Redis sorted set per host
// name holds the running jobs, each scored with the time its slot lapses (Redis' clock), so a
// worker that died mid-job frees its slot by itself.

// KEYS[1]: the host's set; ARGV: max jobs, job id, slot lifetime ms. 1: taken, 0: all busy.
export const TAKE_JOB_SLOT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;
