/** The private redis-server the cluster tests start: relay-server's testing helper, shared with the benchmark. */
export { RedisServer } from '@enclave/relay/testing/private-redis';
