// The one retry policy of every Redis client (events/redis-client.ts), and which errors mean "Redis
// is away" (retry later) rather than a bug. No connection is opened here.
import { describe, expect, it } from 'vitest';
import { isRedisUnavailable, reconnectDelayMs } from '../../../events/redis-client.ts';

describe('Redis clients', () => {
  it('reconnect after 100 ms, doubling up to 2 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(reconnectDelayMs)).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  it.each([
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }),
    new Error('Connection is closed.'),
    new Error('LOADING Redis is loading the dataset in memory'),
  ])('%s means Redis is away', (e) => {
    expect(isRedisUnavailable(e)).toBe(true);
  });

  it.each([new Error('ERR wrong number of arguments'), new TypeError('x is undefined'), 'a string'])('%s does not', (e) => {
    expect(isRedisUnavailable(e)).toBe(false);
  });
});
