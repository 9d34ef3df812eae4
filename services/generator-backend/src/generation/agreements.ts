// The original's AgreementsGenerator: four Randoms whose sequences continue from call
// to call for the lifetime of the service.
import type { Agreement } from '@mobilecs/domain';
import { JavaRandom } from '../java/random';
import { nextUuid } from '../java/uuid';
import { plusDays } from '../java/zoned-date-time';
import {
  AGREEMENT_ID_SEED,
  BILLING_TIME_ZONE,
  MSISDN_SEED,
  PLAN_SEED,
  PLANS,
  SERVICE_START_AT_MS,
  SIGNED_AT_SEED,
} from './constants';
import { nextMsisdnValue } from './msisdn';

/** What a restart needs to continue the sequence exactly: the four Randoms' states and the count. */
export interface AgreementsState {
  generated: number;
  randoms: { id: string; signedAt: string; msisdn: string; plan: string };
}

export class AgreementsGenerator {
  private constructor(
    private readonly idRandom: JavaRandom,
    private readonly signedAtRandom: JavaRandom,
    private readonly msisdnRandom: JavaRandom,
    private readonly planRandom: JavaRandom,
    private generatedCount: number,
  ) {}

  static create(): AgreementsGenerator {
    return new AgreementsGenerator(
      new JavaRandom(AGREEMENT_ID_SEED),
      new JavaRandom(SIGNED_AT_SEED),
      new JavaRandom(MSISDN_SEED),
      new JavaRandom(PLAN_SEED),
      0,
    );
  }

  static restore(state: AgreementsState): AgreementsGenerator {
    const { randoms: r } = state;
    return new AgreementsGenerator(
      JavaRandom.fromState(r.id),
      JavaRandom.fromState(r.signedAt),
      JavaRandom.fromState(r.msisdn),
      JavaRandom.fromState(r.plan),
      state.generated,
    );
  }

  snapshot(): AgreementsState {
    return {
      generated: this.generatedCount,
      randoms: { id: this.idRandom.state, signedAt: this.signedAtRandom.state, msisdn: this.msisdnRandom.state, plan: this.planRandom.state },
    };
  }

  /** A copy in the same state: generate on it, and keep it only once the batch is published. */
  clone(): AgreementsGenerator {
    return new AgreementsGenerator(
      this.idRandom.clone(),
      this.signedAtRandom.clone(),
      this.msisdnRandom.clone(),
      this.planRandom.clone(),
      this.generatedCount,
    );
  }

  /** How many agreements this generator has produced since the start. */
  get count(): number {
    return this.generatedCount;
  }

  next(count: number): Agreement[] {
    const out: Agreement[] = [];
    for (let i = 0; i < count; i++) out.push(this.nextAgreement());
    return out;
  }

  private nextAgreement(): Agreement {
    // Same order of draws as the original's constructor call.
    const id = nextUuid(this.idRandom);
    const msisdn = nextMsisdnValue(this.msisdnRandom);
    const daysBefore = Math.trunc(20 * this.signedAtRandom.nextDouble());
    const signedAt = plusDays(plusDays(SERVICE_START_AT_MS, BILLING_TIME_ZONE, -daysBefore), BILLING_TIME_ZONE, -10);
    const plan = PLANS[Math.trunc(this.planRandom.nextDouble() * PLANS.length)] as number;
    this.generatedCount++;
    return {
      id,
      msisdn,
      signedAt,
      serviceStartAt: SERVICE_START_AT_MS,
      billingPeriodTimeZone: BILLING_TIME_ZONE,
      maxBytesInBillingPeriod: BigInt(plan),
    };
  }
}

/** The original's response text. */
export function agreementsSummary(agreements: readonly Agreement[]): string {
  return (
    `Total number of generated agreements: ${agreements.length}\n` +
    `Agreements generated in order: ${[...new Set(agreements.map((a) => a.id))].join(', ')}`
  );
}
