/**
 * The prices the cost model multiplies, pinned: US East (N. Virginia), on-demand rates, no free tier,
 * no Savings Plans, read on the date below. Each says where it was read and whether that was an AWS
 * page; `--price name=value` overrides any of them, and one left `undefined` is printed as a quantity
 * without dollars, never guessed.
 */
export const PRICES_READ_ON = '2026-12-05';

export interface Price {
  readonly value: number | undefined;
  readonly unit: string;
  /** where the figure was read */
  readonly source: string;
  /** read on an AWS page (true), or on a secondary source to check before relying on it (false) */
  readonly fromAws: boolean;
}

export const PRICES = {
  lambdaRequests: {
    value: 0.2,
    unit: 'USD per million requests',
    source: 'https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html',
    fromAws: true,
  },
  lambdaGbSecondArm: {
    value: 0.0000133334,
    unit: 'USD per GB-second (arm64, as serverless.yml deploys)',
    source:
      'https://aws.amazon.com/lambda/pricing/ (x86 is $0.0000166667 on the AWS page above; arm64 not read there)',
    fromAws: false,
  },
  dynamoDbWriteRequestUnits: {
    value: 0.625,
    unit: 'USD per million write request units (on-demand)',
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (the November 2024 rate, quoted by secondary sources)',
    fromAws: false,
  },
  dynamoDbReadRequestUnits: {
    value: 0.125,
    unit: 'USD per million read request units (on-demand)',
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (the November 2024 rate, quoted by secondary sources)',
    fromAws: false,
  },
  dynamoDbWriteCapacityUnitHour: {
    value: 0.00065,
    unit: 'USD per WCU-hour (provisioned)',
    source: 'https://aws.amazon.com/dynamodb/pricing/provisioned/ (quoted by secondary sources)',
    fromAws: false,
  },
  dynamoDbReadCapacityUnitHour: {
    value: 0.00013,
    unit: 'USD per RCU-hour (provisioned)',
    source: 'https://aws.amazon.com/dynamodb/pricing/provisioned/ (quoted by secondary sources)',
    fromAws: false,
  },
  mskBrokerHour: {
    value: 0.204,
    unit: 'USD per kafka.m7g.large broker-hour (MSK Provisioned, Standard brokers)',
    source: 'https://aws.amazon.com/msk/pricing/ (not read here: check it)',
    fromAws: false,
  },
  mskStorageGbMonth: {
    value: 0.1,
    unit: 'USD per GB-month of broker storage',
    source: 'https://aws.amazon.com/msk/pricing/ (not read here: check it)',
    fromAws: false,
  },
  eventPollerUnitHour: {
    value: undefined,
    unit: 'USD per event poller-hour (provisioned mode)',
    source:
      'https://aws.amazon.com/lambda/pricing/ (provisioned mode is billed in event poller units; neither the price nor the pollers per unit could be read here)',
    fromAws: false,
  },
  cloudWatchLogsIngestedGb: {
    value: 0.5,
    unit: 'USD per GB ingested (CloudWatch Logs, standard class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (quoted by secondary sources)',
    fromAws: false,
  },
  cloudWatchMetricMonth: {
    value: 0.3,
    unit: 'USD per custom metric-month (first 10,000)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (quoted by secondary sources)',
    fromAws: false,
  },
  cloudWatchAlarmMonth: {
    value: 0.1,
    unit: 'USD per standard-resolution alarm-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (quoted by secondary sources)',
    fromAws: false,
  },
  cloudWatchDashboardMonth: {
    value: 3,
    unit: 'USD per dashboard-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (quoted by secondary sources)',
    fromAws: false,
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;
export type PriceTable = Record<PriceName, Price>;

/**
 * The pinned prices with the user's overrides, `name=value` each.
 *
 * @param overrides - `--price` arguments, e.g. `eventPollerUnitHour=0.185`
 * @throws Error naming the price when it is unknown or its value is not a non-negative number
 * @example
 * ```ts
 * pricesWith(['mskBrokerHour=0.21']).mskBrokerHour.value; // 0.21
 * ```
 */
export function pricesWith(overrides: readonly string[]): PriceTable {
  const table: PriceTable = { ...PRICES };
  for (const override of overrides) {
    const [name = '', text = ''] = override.split('=');
    const value = Number(text);
    if (!(name in PRICES))
      throw new Error(`--price ${override}: no price named ${name} (${Object.keys(PRICES).join(', ')})`);
    if (text === '' || !Number.isFinite(value) || value < 0)
      throw new Error(`--price ${override}: give a non-negative number in ${PRICES[name as PriceName].unit}`);
    table[name as PriceName] = {
      ...PRICES[name as PriceName],
      value,
      source: 'given with --price',
      fromAws: false,
    };
  }
  return table;
}
