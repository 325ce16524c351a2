// The Lua scripts of the store, run with EVALSHA through ioredis defineCommand. Each touches keys
// of one hash tag only ({world} or {<node>}), so each is atomic on Redis Cluster too.

import type { Redis, Result } from 'ioredis';

/** The object keys whose upserts the fold compare-and-sets on spec.previous. */
export const CAS_KIND_PREFIX = 'RouterIDAllocation.bgpcast.io/';

// Offsets are compared as decimal text (64-bit values do not fit a Lua number exactly).
const LT = `
local function lt(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
local function bump(positions, partition, offset)
  local current = redis.call('HGET', positions, partition)
  if not current or lt(current, offset) then redis.call('HSET', positions, partition, offset) end
end
`;

/**
 * Folds a batch of events into the world, idempotently.
 * KEYS: objects, invalid, object-positions, object-sources, positions, changes, sync-markers,
 *   pending, sync-parts, log.
 * ARGV: maxlen, pending id ('' = none), pending JSON, the store epoch the caller holds, the ranges
 *   delivered (JSON [[partition, the offset before the first one delivered ('' = from 0), the last
 *   offset delivered], …], one per partition, or ''), then per event six values: op ('u' upsert,
 *   'n' upsert of an object without creationTimestamp, 'd' delete, 's' sync marker, 'k' sync
 *   marker with keys, 'i' upsert of a version that breaks bgpcast's rules), key (object key; for
 *   's' and 'k' the kind "Kind[.group]"), partition, offset, source, payload (object JSON for 'u'
 *   and 'i'; for 'n' the time as a JSON string, head and tail of fold.ts stampHalves, joined by
 *   newlines; syncId for 's', JSON {syncId, keys, part, parts} for 'k').
 * Nothing is written unless the store is the one the caller knows: the log record holds its epoch
 * (a wiped store has none, a rebuilt one another), and the world already holds every offset before
 * each range (a store restored from an older copy does not). Then every offset of the ranges
 * counts as passed over in `positions`, folded or not.
 * 'n' stores head .. time .. tail, where the time is the stored object's creationTimestamp when
 * the object is live (a re-apply keeps its first-seen time), else the given one (first seen).
 * 'i' stores its version in `invalid` and leaves the object's version in effect in `objects` as it
 * is (docs/cilium-semantics.md OBJ-5); 'u' and 'n' clear the invalid version, a delete and a sweep
 * both. An object whose every version so far was invalid is in `invalid` only.
 * An event at or below the stored position of its object (same partition) changes nothing: a
 * redelivery or a replay into the same store is a no-op. A delete keeps the position as a
 * tombstone, so an older add delivered again cannot resurrect the object. A sync marker deletes
 * objects of its kind and source in its partition: 's' those not folded since the previous marker,
 * 'k' those folded before it and not among its keys. A 'k' marker split into parts sweeps at its
 * last part, with the keys of every part (held in sync-parts until then); a part that does not
 * follow the one before (the same syncId, the next index) abandons that listing without a sweep.
 * The same rules in TypeScript, for folding a whole topic at once: functions/replay/log-fold.ts.
 * The pending entry is written in the same step as the fold it belongs to.
 * RouterIDAllocation objects are compare-and-set (functions/model/router-id-allocation.ts): an
 * upsert is applied only when its spec.previous names the position of the version held ('' or null
 * when none is held), so a version computed from a table that another version already replaced is
 * dropped, in a replay as it was live: the decision depends on that key's own history only.
 * Returns {applied, swept, refused}: refused 0 folded, 1 another epoch (or none), 2 the world
 * lacks offsets before a range (then applied is the partition).
 */
export const FOLD_SCRIPT = `${LT}
local CAS_KIND = '${CAS_KIND_PREFIX}'
local objects, invalid, opos, sources, positions, changes, markers, pending, parts, log =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local maxlen = ARGV[1]
if redis.call('HGET', log, 'epoch') ~= ARGV[4] then return {0, 0, 1} end
local ranges = {}
if ARGV[5] ~= '' then ranges = cjson.decode(ARGV[5]) end
for _, r in ipairs(ranges) do
  if r[2] ~= '' then
    local have = redis.call('HGET', positions, r[1])
    if not have or lt(have, r[2]) then return {tonumber(r[1]), 0, 2} end
  end
end
if ARGV[2] ~= '' then redis.call('HSET', pending, ARGV[2], ARGV[3]) end
local applied, swept = 0, 0
local function changed(key)
  redis.call('XADD', changes, 'MAXLEN', '~', maxlen, '*', 'key', key)
end
-- listed: nil, or a set of keys that stay whatever their position.
-- Both hashes are scanned: an object whose versions were all invalid is in \`invalid\` only. A key
-- swept from the first has no source any more, so the second scan passes it by.
local function sweep(kind, source, partition, before, offset, listed)
  local pattern = string.gsub(kind, '([%[%]%*%?\\\\])', '\\\\%1') .. '/*'
  for _, hash in ipairs({objects, invalid}) do
    local cursor = '0'
    repeat
      local page = redis.call('HSCAN', hash, cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = page[1]
      for i = 1, #page[2], 2 do
        local key = page[2][i]
        if redis.call('HGET', sources, key) == source and not (listed and listed[key]) then
          local p, o = string.match(redis.call('HGET', opos, key) or '', '^(%d+):(%d+)$')
          if p == partition and lt(o, before) then
            redis.call('HDEL', objects, key)
            redis.call('HDEL', invalid, key)
            redis.call('HDEL', sources, key)
            redis.call('HSET', opos, key, partition .. ':' .. offset)
            changed(key)
            swept = swept + 1
          end
        end
      end
    until cursor == '0'
  end
end
for i = 6, #ARGV, 6 do
  local op, key, partition, offset, source, payload =
    ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  if op == 's' then
    local marker = source .. '|' .. key .. '|' .. partition
    local previous = string.match(redis.call('HGET', markers, marker) or '', '^(%d+)')
    if not previous or lt(previous, offset) then
      redis.call('HSET', markers, marker, offset .. ' ' .. payload)
      if previous then sweep(key, source, partition, previous, offset, nil) end
      bump(positions, partition, offset)
      applied = applied + 1
    end
  elseif op == 'k' then
    local marker = source .. '|' .. key .. '|' .. partition
    local previous = string.match(redis.call('HGET', markers, marker) or '', '^(%d+)')
    if not previous or lt(previous, offset) then
      local m = cjson.decode(payload)
      local count, index = m.parts or 1, m.part or 0
      redis.call('HSET', markers, marker, offset .. ' ' .. m.syncId)
      local held = {syncId = m.syncId, next = 0, keys = {}}
      if count > 1 then
        local text = redis.call('HGET', parts, marker)
        if text then held = cjson.decode(text) end
        if held.syncId ~= m.syncId then held = {syncId = m.syncId, next = 0, keys = {}} end
      end
      if index == held.next then
        for _, k in ipairs(m.keys) do held.keys[#held.keys + 1] = k end
        if index + 1 < count then
          held.next = index + 1
          redis.call('HSET', parts, marker, cjson.encode(held))
        else
          redis.call('HDEL', parts, marker)
          local listed = {}
          for _, k in ipairs(held.keys) do listed[k] = true end
          sweep(key, source, partition, offset, offset, listed)
        end
      else
        redis.call('HDEL', parts, marker)
      end
      bump(positions, partition, offset)
      applied = applied + 1
    end
  else
    local held = redis.call('HGET', opos, key)
    local p, o = string.match(held or '', '^(%d+):(%d+)$')
    if not (p == partition and not lt(o, offset)) and op == 'u' and string.sub(key, 1, #CAS_KIND) == CAS_KIND then
      -- A version computed from another version than the one held changes nothing (but its
      -- offset counts as folded).
      local ok, obj = pcall(cjson.decode, payload)
      local previous = ok and type(obj) == 'table' and type(obj.spec) == 'table' and obj.spec.previous
      if type(previous) ~= 'string' then previous = '' end
      local current = ''
      if redis.call('HEXISTS', objects, key) == 1 then current = held or '' end
      if previous ~= current then
        bump(positions, partition, offset)
        p, o = partition, offset
      end
    end
    if not (p == partition and not lt(o, offset)) then
      if op == 'n' then
        local a = string.find(payload, '\\n', 1, true)
        local b = string.find(payload, '\\n', a + 1, true)
        local stamp = string.sub(payload, 1, a - 1)
        local stored = redis.call('HGET', objects, key)
        if stored then
          local ok, o = pcall(cjson.decode, stored)
          local t = ok and type(o) == 'table' and type(o.metadata) == 'table' and o.metadata.creationTimestamp
          if type(t) == 'string' and t ~= '' then stamp = cjson.encode(t) end
        end
        payload = string.sub(payload, a + 1, b - 1) .. stamp .. string.sub(payload, b + 1)
        op = 'u'
      end
      if op == 'u' then
        redis.call('HSET', objects, key, payload)
        redis.call('HDEL', invalid, key)
        redis.call('HSET', sources, key, source)
      elseif op == 'i' then
        redis.call('HSET', invalid, key, payload)
        redis.call('HSET', sources, key, source)
      else
        redis.call('HDEL', objects, key)
        redis.call('HDEL', invalid, key)
        redis.call('HDEL', sources, key)
      end
      redis.call('HSET', opos, key, partition .. ':' .. offset)
      changed(key)
      bump(positions, partition, offset)
      applied = applied + 1
    end
  end
end
for _, r in ipairs(ranges) do bump(positions, r[1], r[3]) end
return {applied, swept, 0}
`;

/**
 * Compare-and-set of the conditions document (<p>:{world}:conditions), whole.
 * KEYS: the document hash. ARGV: expected seq, mode ('write' | 'confirm'), positions JSON,
 * digest, document, updatedAt, channel, the store epoch (stored with the positions: they count
 * under that epoch only).
 * seq counts every successful compare-and-set, confirmations included: a writer whose world is
 * older than a confirmation must fail, or it could overwrite a confirmed document with a stale one.
 * A write whose digest equals the stored one is a confirmation: no new revision, no notification.
 * Returns {status, revision}: status 0 conflict (revision = the current seq), 1 unchanged, 2 written.
 */
export const CAS_SCRIPT = `
local doc = KEYS[1]
local seq = redis.call('HGET', doc, 'seq') or '0'
if seq ~= ARGV[1] then return {0, seq} end
redis.call('HINCRBY', doc, 'seq', 1)
redis.call('HSET', doc, 'positions', ARGV[3], 'epoch', ARGV[8])
if ARGV[2] == 'confirm' or redis.call('HGET', doc, 'digest') == ARGV[4] then
  return {1, redis.call('HGET', doc, 'revision') or '0'}
end
local revision = redis.call('HINCRBY', doc, 'revision', 1)
redis.call('HSET', doc, 'digest', ARGV[4], 'document', ARGV[5], 'updatedAt', ARGV[6])
redis.call('PUBLISH', ARGV[7], revision)
return {2, tostring(revision)}
`;

/**
 * Compare-and-set of one node's desired state, stored as two hashes (events/desired-delta.ts):
 * the head <p>:{<node>}:desired and the routes <p>:{<node>}:desired:routes.
 * KEYS: head, routes.
 * ARGV: expected seq, expected revision, expected writer token ('' = none), mode ('write' |
 *   'confirm'), positions JSON, writer token, the store epoch, updatedAt, channel, sessions JSON
 *   ('' = unchanged), replaceAll ('1' = delete every route first), the delta message, then per
 *   changed route two values: field, value ('' = delete; a route value is never empty).
 * The epoch is stored with the positions (they count under that epoch only) and carried by the
 * delta: a reader that applied another epoch's revisions reads the document instead.
 * As for the conditions, seq counts every successful compare-and-set, confirmations included.
 * The revision moves only with seq, so the caller knows the revision a write produces (expected
 * + 1) and prepares the delta message; the expected revision is checked as well, so a published
 * delta can never name the wrong revisions. A confirmation stores the positions only. A write
 * applies the route changes and the sessions, bumps the revision and publishes the delta in the
 * same step, so deltas go out in revision order. Both store the writer token: a writer that
 * finds its own token in the head knows the stored state is exactly what it last wrote or
 * confirmed, and may diff against its copy in memory instead of reading the routes. The expected
 * token is checked with seq: a writer that writes against the head its own last write left,
 * without reading it, is refused if that write was lost (a failover to a replica that missed it)
 * even when someone else's write brought seq to the same number. The fields of the former
 * whole-document layout (digest, document) are removed by a write.
 * Returns {status, revision}: status 0 conflict (revision = the current seq), 1 unchanged, 2 written.
 */
export const NODE_CAS_SCRIPT = `
local head, routes = KEYS[1], KEYS[2]
local h = redis.call('HMGET', head, 'seq', 'revision', 'writer')
local seq, revision, writer = h[1] or '0', h[2] or '0', h[3] or ''
if seq ~= ARGV[1] or revision ~= ARGV[2] or writer ~= ARGV[3] then return {0, seq} end
redis.call('HINCRBY', head, 'seq', 1)
redis.call('HSET', head, 'positions', ARGV[5], 'writer', ARGV[6], 'epoch', ARGV[7])
if ARGV[4] == 'confirm' then return {1, revision} end
if ARGV[11] == '1' then redis.call('DEL', routes) end
-- In slices: unpack() of tens of thousands of values would overflow the Lua stack.
local sets, dels = {}, {}
local function flush()
  if #sets > 0 then redis.call('HSET', routes, unpack(sets)) sets = {} end
  if #dels > 0 then redis.call('HDEL', routes, unpack(dels)) dels = {} end
end
for i = 13, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    dels[#dels + 1] = ARGV[i]
  else
    sets[#sets + 1] = ARGV[i]
    sets[#sets + 1] = ARGV[i + 1]
  end
  if #sets >= 1000 or #dels >= 1000 then flush() end
end
flush()
if ARGV[10] ~= '' then redis.call('HSET', head, 'sessions', ARGV[10]) end
redis.call('HDEL', head, 'digest', 'document')
local bumped = redis.call('HINCRBY', head, 'revision', 1)
redis.call('HSET', head, 'updatedAt', ARGV[8], 'routeCount', redis.call('HLEN', routes))
redis.call('PUBLISH', ARGV[9], ARGV[12])
return {2, tostring(bumped)}
`;

/**
 * Puts a world folded from the log in place of the live one (functions/replay/world-load.ts), in
 * one step.
 * KEYS: the rebuild lock, log, pending, changes, desired-nodes, then the live world hashes and the
 *   rebuilt ones (events/redis-keys.ts REBUILT_WORLD_KEYS, in that order, live first).
 * ARGV: the lock token ('' = no lock: a scratch prefix nobody else writes), epoch, topic, topicId,
 *   cluster, builtAt, pending id, the rebuilt world's nodes (JSON list), its positions (JSON).
 * Refused (returns 0) unless the lock holds the token. Then each live hash is replaced by its
 * rebuilt one (or deleted: Redis keeps no empty hash); the change stream and the pending entries
 * go, as they describe the old world; the log record names the new epoch and the topic; one
 * pending entry names every node of the rebuilt world and of the desired-nodes set, and the
 * conditions, at the rebuilt positions, so the usual recomputation — any instance's, after a crash
 * too — brings every document to the rebuilt world. The lock is released. Returns 1.
 */
export const INSTALL_WORLD_SCRIPT = `
local lock, log, pending, changes, desiredNodes = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if ARGV[1] ~= '' and redis.call('GET', lock) ~= ARGV[1] then return 0 end
local hashes = (#KEYS - 5) / 2
for i = 1, hashes do
  local live, built = KEYS[5 + i], KEYS[5 + hashes + i]
  redis.call('DEL', live)
  if redis.call('EXISTS', built) == 1 then redis.call('RENAME', built, live) end
end
redis.call('DEL', changes, pending)
redis.call('HSET', log, 'epoch', ARGV[2], 'topic', ARGV[3], 'topicId', ARGV[4], 'cluster', ARGV[5], 'builtAt', ARGV[6])
local seen, nodes = {}, {}
for _, n in ipairs(cjson.decode(ARGV[8])) do
  if not seen[n] then seen[n] = true nodes[#nodes + 1] = n end
end
for _, n in ipairs(redis.call('SMEMBERS', desiredNodes)) do
  if not seen[n] then seen[n] = true nodes[#nodes + 1] = n end
end
table.sort(nodes)
local list = '[]'
if #nodes > 0 then list = cjson.encode(nodes) end
redis.call('HSET', pending, ARGV[7], '{"nodes":' .. list .. ',"conditions":true,"positions":' .. ARGV[9] .. ',"at":' .. cjson.encode(ARGV[6]) .. '}')
if ARGV[1] ~= '' then redis.call('DEL', lock) end
return 1
`;

/** Extends the rebuild lock while its holder works. KEYS: lock. ARGV: token, ms. Returns 1 if held. */
export const RENEW_LOCK_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Releases the rebuild lock if the token still holds it. KEYS: lock. ARGV: token. */
export const RELEASE_LOCK_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Removes pending entries. KEYS: pending. ARGV: ids. Returns how many were removed. */
export const CLEAR_PENDING_SCRIPT = `
local removed = 0
for i = 1, #ARGV do removed = removed + redis.call('HDEL', KEYS[1], ARGV[i]) end
return removed
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    bgpcastFold(
      objects: string,
      objectPositions: string,
      objectSources: string,
      positions: string,
      changes: string,
      syncMarkers: string,
      pending: string,
      syncParts: string,
      log: string,
      ...args: (string | number)[]
    ): Result<[number, number, number], Context>;
    bgpcastInstallWorld(...keysAndArgs: (string | number)[]): Result<number, Context>;
    bgpcastRenewLock(lock: string, token: string, ms: number): Result<number, Context>;
    bgpcastReleaseLock(lock: string, token: string): Result<number, Context>;
    bgpcastCas(doc: string, ...args: string[]): Result<[number, string], Context>;
    bgpcastNodeCas(head: string, routes: string, ...args: string[]): Result<[number, string], Context>;
    bgpcastClearPending(pending: string, ...ids: string[]): Result<number, Context>;
  }
}

/** Registers the scripts on a client (idempotent). */
export function defineScripts(redis: Redis): Redis {
  if (typeof (redis as Partial<Redis>).bgpcastFold === 'function') return redis;
  redis.defineCommand('bgpcastFold', { numberOfKeys: 10, lua: FOLD_SCRIPT });
  redis.defineCommand('bgpcastInstallWorld', { lua: INSTALL_WORLD_SCRIPT });
  redis.defineCommand('bgpcastRenewLock', { numberOfKeys: 1, lua: RENEW_LOCK_SCRIPT });
  redis.defineCommand('bgpcastReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK_SCRIPT });
  redis.defineCommand('bgpcastCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
  redis.defineCommand('bgpcastNodeCas', { numberOfKeys: 2, lua: NODE_CAS_SCRIPT });
  redis.defineCommand('bgpcastClearPending', { numberOfKeys: 1, lua: CLEAR_PENDING_SCRIPT });
  return redis;
}
