import { envelopeFor } from '@msk-patterns/pipeline';
import { cancelOrderV1, placeOrderV1 } from '../../lib/contracts/orders.js';

type Kind = 'regular' | 'scarce' | 'over-limit' | 'customer-cancel';

/** The mix: every 10th order over the payment limit, every 7th cancelled by its customer, every 8th for a scarce SKU. */
function kindOf(index: number): Kind {
  if (index % 10 === 3) return 'over-limit';
  if (index % 7 === 4) return 'customer-cancel';
  if (index % 8 === 5) return 'scarce';
  return 'regular';
}

/**
 * The demo's commands for one run: `count` PlaceOrder with their mix of outcomes, the customers'
 * CancelOrder, the stock to load (plenty of the regular SKUs; the scarce one for half of the orders
 * that want it) and one poison message. Names carry the run's tag, so runs never meet.
 */
export function demoCommands(count: number, runId: string) {
  const tag = runId.slice(0, 8);
  const regular = ['espresso', 'grinder', 'filter', 'kettle', 'scale'].map((name) => `sku-${tag}-${name}`);
  const scarce = `sku-${tag}-limited`;
  const kinds = Array.from({ length: count }, (_, index) => kindOf(index));
  const scarceStock = Math.floor(kinds.filter((kind) => kind === 'scarce').length / 2);
  const meta = () => ({
    id: crypto.randomUUID(),
    correlationId: runId,
    occurredAt: new Date().toISOString(),
  });
  const line = (sku: string, quantity: number, unitPrice: number) => ({ sku, quantity, unitPrice });
  const regularSku = (index: number) => regular[index % regular.length] ?? '';
  const places = kinds.map((kind, index) => {
    const orderId = `order-${tag}-${String(index + 1).padStart(3, '0')}`;
    const items =
      kind === 'scarce'
        ? [line(scarce, 1, 4999)]
        : kind === 'over-limit'
          ? [line(regularSku(index), 1, 150_000)]
          : [line(regularSku(index), 1 + (index % 3), 1250), line(regularSku(index + 2), 1, 899)];
    return envelopeFor(
      placeOrderV1,
      { orderId, customerId: `customer-${index % 20}`, currency: 'EUR', items },
      meta(),
    );
  });
  const cancels = places
    .filter((_, index) => kinds[index] === 'customer-cancel')
    .map((place) =>
      envelopeFor(cancelOrderV1, { orderId: place.data.orderId, reason: 'changed my mind' }, meta()),
    );
  return {
    tag,
    stock: [...regular.map((sku) => ({ sku, units: 10 * count })), { sku: scarce, units: scarceStock }],
    skus: [...regular, scarce],
    places,
    cancels,
    poison: {
      key: `poison-${tag}`,
      value: `{"type":"PlaceOrder","correlationId":"${runId}","note":"not an envelope"}`,
    },
    summary: `${places.length} PlaceOrder (the first twice, ${kinds.filter((kind) => kind === 'scarce').length} for ${scarceStock} scarce units, ${kinds.filter((kind) => kind === 'over-limit').length} over the payment limit), ${cancels.length} customer cancels, 1 poison message`,
  };
}
