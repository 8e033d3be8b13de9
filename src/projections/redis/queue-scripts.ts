/**
 * The queue read model's Lua scripts, run through ioredis `defineCommand`
 * (EVALSHA, EVAL on a connection that has not seen the script yet).
 *
 * The apply script builds concert key names itself from the concert key root
 * (a batch touches concerts not known in advance), which is fine on a single
 * Redis server but not on Redis Cluster.
 */

export const APPLY_QUEUE_EVENTS = 'rtApplyQueueEvents';
export const READ_QUEUE_ENTRY = 'rtReadQueueEntry';

/**
 * KEYS[1] checkpoint. ARGV[1] concert key root (`<prefix>q:{`), ARGV[2] the
 * batch's queue events as JSON, ARGV[3] the position of the batch's last event.
 *
 *   ["j", position, concertId, entryId, userId]
 *   ["a", position, concertId, recordedAtMs, activeUntilMs, [entryId, ...]]
 *   ["c", position, concertId, entryId]
 *   ["m", position, concertId, [field, value, ...]]   concert settings ('' deletes the field)
 *   ["o", position, concertId, seed]                  the scheduled opening (QueueOpened)
 *
 * Every entry hash keeps the position it last applied (p), every concert the
 * position of its last admission (admissions:p); an event at or below it is
 * already in. Since a batch is applied whole, re-deliveries, replays and
 * overlapping batches of two instances all leave the same state.
 */
export const APPLY_QUEUE_EVENTS_LUA = `
local root = ARGV[1]
local events = cjson.decode(ARGV[2])
local MINUTE_MS = 60000

for i = 1, #events do
  local ev = events[i]
  local kind, pos = ev[1], ev[2]
  local concert = root .. ev[3] .. '}:'
  if kind == 'j' then
    local id = ev[4]
    local key = concert .. 'e:' .. id
    local last = redis.call('HGET', key, 'p')
    if not last or tonumber(last) < pos then
      if last then
        -- Entry ids are fresh per join; one that joins again starts over at the back.
        redis.call('HDEL', key, 'a', 'd')
        redis.call('ZREM', concert .. 'active', id)
      end
      redis.call('HSET', key, 'u', ev[5], 'p', pos)
      redis.call('ZADD', concert .. 'waiting', pos, id)
    end
  elseif kind == 'a' then
    local activeUntil, ids = ev[5], ev[6]
    for k = 1, #ids do
      local id = ids[k]
      local key = concert .. 'e:' .. id
      local f = redis.call('HMGET', key, 'p', 'a', 'd')
      -- Unknown and already admitted entries are skipped, as in the in-memory projection.
      if f[1] and tonumber(f[1]) < pos and not f[2] then
        redis.call('HSET', key, 'a', activeUntil, 'p', pos)
        redis.call('ZREM', concert .. 'waiting', id)
        if not f[3] then redis.call('ZADD', concert .. 'active', activeUntil, id) end
      end
    end
    local last = redis.call('GET', concert .. 'admissions:p')
    if not last or tonumber(last) < pos then
      -- Trimmed against the event's time, not the clock: a replay keeps the same window.
      local at = ev[4]
      redis.call('ZREMRANGEBYSCORE', concert .. 'admissions', '-inf', at - MINUTE_MS)
      -- One member per listed entry, so that a read counts them with ZCOUNT instead of a loop.
      for k = 1, #ids do
        redis.call('ZADD', concert .. 'admissions', at, string.format('%.0f:%d', pos, k))
      end
      redis.call('SET', concert .. 'admissions:p', pos)
    end
  elseif kind == 'c' then
    local id = ev[4]
    local key = concert .. 'e:' .. id
    local last = redis.call('HGET', key, 'p')
    if last and tonumber(last) < pos then
      -- A completed entry that was still waiting keeps its place in line, as in memory.
      redis.call('HSET', key, 'd', 1, 'p', pos)
      redis.call('ZREM', concert .. 'active', id)
    end
  elseif kind == 'm' then
    local key = concert .. 'meta'
    local last = redis.call('HGET', key, 'p')
    if not last or tonumber(last) < pos then
      local fields = ev[4]
      for k = 1, #fields, 2 do
        if fields[k + 1] == '' then
          redis.call('HDEL', key, fields[k])
        else
          redis.call('HSET', key, fields[k], fields[k + 1])
        end
      end
      redis.call('HSET', key, 'p', pos)
    end
  elseif kind == 'o' then
    local key = concert .. 'meta'
    if not redis.call('HGET', key, 'opened') then
      -- Nobody is admitted before the opening, so every waiting entry is the pre-queue, in join order.
      -- preQueueOrder (pre-queue-order.ts) step by step: the same doubles give the same order.
      local pre = redis.call('ZRANGE', concert .. 'waiting', 0, -1, 'WITHSCORES')
      local n = #pre / 2
      local order = {}
      for i = 1, n do order[i] = i - 1 end
      local x, M = ev[4], 2147483647
      for i = n - 1, 1, -1 do
        x = math.fmod(x * 48271, M)
        local j = math.floor(((x - 1) / (M - 1)) * (i + 1))
        order[i + 1], order[j + 1] = order[j + 1], order[i + 1]
      end
      -- The entry admitted r-th takes the r-th join's score: later joins still queue behind the lot.
      for r = 0, n - 1 do
        redis.call('ZADD', concert .. 'waiting', pre[2 * r + 2], pre[2 * order[r + 1] + 1])
      end
      redis.call('HSET', key, 'opened', 1)
    end
  end
end

if tonumber(ARGV[3]) > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], ARGV[3])
end
return 0
`;

/**
 * KEYS: the entry hash, the concert's waiting and admissions zsets, its settings hash.
 * ARGV[1] entry id, ARGV[2] now (ms), ARGV[3] '(' .. now - 60 s (exclusive bound).
 * Returns nil for an unknown entry, else [userId, status, position, admittedLastMinute, admitPerMinute, opensAt]:
 * status indexes QUEUE_STATUSES, position is 0 unless WAITING or PAUSED, admitPerMinute 0 for no limit,
 * opensAt the scheduled opening (ms) while PRE_QUEUE, else 0.
 */
export const READ_QUEUE_ENTRY_LUA = `
local f = redis.call('HMGET', KEYS[1], 'u', 'a', 'd')
if not f[1] then return false end
local status, position = 0, 0
if f[3] then
  status = 3
elseif f[2] then
  if tonumber(f[2]) > tonumber(ARGV[2]) then status = 1 else status = 2 end
else
  local rank = redis.call('ZRANK', KEYS[2], ARGV[1])
  if rank then position = rank + 1 end
end
local meta = redis.call('HMGET', KEYS[4], 'paused', 'rate', 'opens', 'opened')
local opensAt = 0
if status == 0 and meta[3] and not meta[4] then
  status, position, opensAt = 5, 0, tonumber(meta[3])
elseif status == 0 and meta[1] then
  status = 4
end
local rate = tonumber(meta[2]) or 0
return {f[1], status, position, redis.call('ZCOUNT', KEYS[3], ARGV[3], '+inf'), rate, opensAt}
`;

export const QUEUE_STATUSES = ['WAITING', 'ACTIVE', 'EXPIRED', 'DONE', 'PAUSED', 'PRE_QUEUE'] as const;
