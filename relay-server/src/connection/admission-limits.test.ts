import assert from 'node:assert/strict';
import { RelayMetrics } from '../observability/metrics.js';
import {
  addressKey,
  type AdmissionDecision,
  AdmissionLimits,
  type AdmissionLimitSettings,
} from './admission-limits.js';

const SETTINGS: AdmissionLimitSettings = {
  handshakeBurstPerAddress: 4,
  handshakesPerSecondPerAddress: 2,
  refusalBurstPerAddress: 2,
  refusalsPerSecondPerAddress: 1,
  unadmittedPerAddress: 3,
  unadmittedTotal: 5,
};

/** Limits on a clock the test moves. */
function limitsAt(settings: AdmissionLimitSettings = SETTINGS): { limits: AdmissionLimits; advance(ms: number): void } {
  let now = 0;
  return { limits: new AdmissionLimits(settings, new RelayMetrics(), () => now), advance: (ms) => (now += ms) };
}

function lease(decision: AdmissionDecision) {
  assert.ok(decision.ok, `admitted, not ${decision.ok ? '' : decision.limit}`);
  return decision.lease;
}

function limitOf(decision: AdmissionDecision): string {
  return decision.ok ? 'ok' : `${decision.status} ${decision.limit}`;
}

describe('admission limits', () => {
  it('counts IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001::9'), '2001:db8:1:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey(undefined), 'unknown');
  });

  it('limits new connections per address and refills, so nobody is locked out for good', () => {
    const { limits, advance } = limitsAt({ ...SETTINGS, unadmittedPerAddress: 100, unadmittedTotal: 100 });
    for (let i = 0; i < 4; i++) lease(limits.open('10.0.0.1')).admitted();
    assert.equal(limitOf(limits.open('10.0.0.1')), '429 handshakes-per-address');
    assert.equal(limitOf(limits.open('10.0.0.2')), 'ok', 'another address has its own bucket');
    advance(500); // 2 a second: one token back
    assert.equal(limitOf(limits.open('10.0.0.1')), 'ok');
    assert.equal(limitOf(limits.open('10.0.0.1')), '429 handshakes-per-address');
  });

  it('stops an address after a burst of refusals, until they refill', () => {
    const { limits, advance } = limitsAt({ ...SETTINGS, handshakeBurstPerAddress: 100 });
    for (let i = 0; i < 2; i++) {
      const refused = lease(limits.open('10.0.0.1'));
      refused.refused();
      refused.closed();
    }
    assert.equal(limitOf(limits.open('10.0.0.1')), '429 refusals-per-address');
    advance(1000);
    assert.equal(limitOf(limits.open('10.0.0.1')), 'ok');
  });

  it('caps unadmitted connections per address and in all, and frees a place on admission or close', () => {
    const { limits } = limitsAt({ ...SETTINGS, handshakeBurstPerAddress: 100 });
    const first = [lease(limits.open('10.0.0.1')), lease(limits.open('10.0.0.1')), lease(limits.open('10.0.0.1'))];
    assert.equal(limitOf(limits.open('10.0.0.1')), '429 unadmitted-per-address');
    const second = [lease(limits.open('10.0.0.2')), lease(limits.open('10.0.0.2'))];
    assert.equal(limitOf(limits.open('10.0.0.3')), '503 unadmitted-total');
    first[0]!.admitted();
    first[0]!.closed(); // after admission a close frees nothing more
    assert.equal(limitOf(limits.open('10.0.0.3')), 'ok');
    assert.equal(limitOf(limits.open('10.0.0.3')), '503 unadmitted-total');
    second[0]!.closed();
    assert.equal(limitOf(limits.open('10.0.0.1')), 'ok');
  });

  it('remembers a bounded number of idle addresses whatever arrives', async () => {
    const metrics = new RelayMetrics();
    const limits = new AdmissionLimits(SETTINGS, metrics);
    for (let i = 0; i < 25_000; i++) lease(limits.open(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)).closed();
    const tracked = (await metrics.trackedAddresses.get()).values[0]?.value ?? 0;
    assert.ok(tracked <= 10_000, `${tracked} addresses remembered`);
  });
});
