// The live dashboard: one Server-Sent Event a second from /events, drawn without a reload.
// Money arrives as decimal strings and stays exact: sums use BigInt, never floats.
import uPlot from '/vendor/uPlot.esm.js';

const $ = (id) => document.getElementById(id);
const integer = (value) => (value === null || value === undefined ? '—' : Number(value).toLocaleString('en-US'));

/** "1234567.8" → "1,234,567.80": thousands separators on the string itself, no float. */
function money(text) {
  if (text === null || text === undefined) return '—';
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  return `${negative ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction.padEnd(2, '0')}`;
}

/** The exact sum of decimal strings (with up to `scale` places). */
function sumDecimals(texts, scale = 4) {
  const toUnits = (text) => {
    const negative = text.startsWith('-');
    const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
    const units = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
    return negative ? -units : units;
  };
  const total = texts.reduce((sum, text) => sum + toUnits(text), 0n);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const fraction = digits.slice(-scale).replace(/0+$/, '').padEnd(2, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${fraction}`;
}

/** A quantity as decimal text, "12.000" → "12", "0.500" → "0.5": the string trimmed, no float. */
const quantity = (text) => (text === null || text === undefined ? '—' : text.includes('.') ? text.replace(/\.?0+$/, '') : text);

const percent = (share) => (share === null || share === undefined ? '—' : `${(Number(share) * 100).toFixed(1)} %`);

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fillRows(tbody, rows, cells) {
  tbody.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement('tr');
      tr.append(...cells(row));
      return tr;
    }),
  );
}

const axisStyle = { stroke: '#a9b4c0', grid: { stroke: '#2c3641' }, ticks: { stroke: '#2c3641' } };
const width = (id) => Math.max(260, $(id).clientWidth);

function lineChart(id, series) {
  return new uPlot(
    {
      width: width(id),
      height: 220,
      series: [{}, ...series],
      axes: [axisStyle, { ...axisStyle, size: 60 }],
      // Counts per second and messages: the y axis starts at zero.
      scales: { x: { time: true }, y: { range: (_, __, max) => [0, Math.max(1, max * 1.1)] } },
    },
    [[], ...series.map(() => [])],
    $(id),
  );
}

const throughput = lineChart('throughput', [
  { label: 'produced/s', stroke: '#5cb8ff', width: 2, points: { show: false } },
  { label: 'landed/s', stroke: '#ffb454', width: 2, points: { show: false } },
]);
const lag = lineChart('lag-chart', [
  { label: 'lag (messages)', stroke: '#ff7a7a', width: 2, fill: 'rgba(255,122,122,0.15)', points: { show: false } },
]);
const hourly = new uPlot(
  {
    width: width('hourly'),
    height: 220,
    series: [
      { label: 'local hour' },
      { label: 'today', stroke: '#5cb8ff', fill: 'rgba(92,184,255,0.35)', paths: uPlot.paths.bars({ size: [0.6] }) },
      { label: 'previous days (average)', stroke: '#ffb454', width: 2 },
    ],
    axes: [
      { ...axisStyle, splits: () => [0, 3, 6, 9, 12, 15, 18, 21], values: (_, ticks) => ticks.map((hour) => `${hour}h`) },
      { ...axisStyle, size: 50 },
    ],
    scales: { x: { time: false, range: [-0.5, 23.5] } },
  },
  [[], [], []],
  $('hourly'),
);

window.addEventListener('resize', () => {
  for (const [chart, id] of [
    [throughput, 'throughput'],
    [lag, 'lag-chart'],
    [hourly, 'hourly'],
  ]) {
    chart.setSize({ width: width(id), height: 220 });
  }
});

function perSecond(history, key) {
  const times = [];
  const values = [];
  for (let index = 1; index < history.length; index++) {
    const [before, now] = [history[index - 1], history[index]];
    times.push(now.at / 1000);
    values.push(now[key] === null || before[key] === null ? null : ((now[key] - before[key]) * 1000) / (now.at - before.at));
  }
  return { times, values };
}

function draw(snapshot) {
  const { counters, today } = snapshot;
  $('command').textContent = `— ${snapshot.command}`;
  $('source').textContent =
    `Kafka ${snapshot.source.brokers || '(not reachable)'}, topic ${snapshot.source.topic} → ${snapshot.source.database}`;
  $('clock').textContent = counters.simulated
    ? `Simulated ${new Date(counters.simulated.at).toISOString().slice(0, 19).replace('T', ' ')} UTC, ×${counters.simulated.speed}`
    : `Updated ${new Date(snapshot.at).toLocaleTimeString()}`;
  for (const [id, value] of [
    ['produced', counters.produced],
    ['landed', counters.landed],
    ['lines', counters.lines],
    ['lag', counters.lag],
    ['dead-letters', counters.deadLetters],
  ]) {
    $(id).textContent = integer(value);
    $(id).dataset.value = value === null ? '' : String(value);
  }
  $('per-second').textContent = snapshot.perSecond.toFixed(1);

  const produced = perSecond(snapshot.history, 'produced');
  const landed = perSecond(snapshot.history, 'landed');
  throughput.setData([produced.times, produced.values, landed.values]);
  lag.setData([snapshot.history.map((sample) => sample.at / 1000), snapshot.history.map((sample) => sample.lag)]);
  hourly.setData([
    today.hourly.map((row) => row.hour),
    today.hourly.map((row) => row.today),
    today.hourly.map((row) => Number(row.previous_average)),
  ]);

  $('today-at').textContent = `${snapshot.todayAt.slice(0, 16).replace('T', ' ')} UTC`;
  const todayByStore = new Map(today.byStore.map((row) => [row.storeId, row]));
  const stores = snapshot.allTime.map((row) => row.store_id);
  for (const row of today.byStore) if (!stores.includes(row.storeId)) stores.push(row.storeId);
  const allTime = new Map(snapshot.allTime.map((row) => [row.store_id, row]));
  fillRows($('by-store').tBodies[0], stores, (storeId) => {
    const day = todayByStore.get(storeId);
    const all = allTime.get(storeId);
    return [
      cell(storeId),
      cell(day?.name ?? all?.name ?? ''),
      cell(snapshot.currencies?.[storeId] ?? ''),
      cell(integer(day?.transactions ?? 0), 'num'),
      cell(money(day?.total ?? '0'), 'num'),
      cell(integer(all?.transactions ?? 0), 'num'),
      cell(money(all?.total ?? '0'), 'num'),
    ];
  });
  const todayTotal = sumDecimals(today.byStore.map((row) => row.total));
  const allTotal = sumDecimals(snapshot.allTime.map((row) => row.total));
  $('today-count').textContent = integer(today.byStore.reduce((sum, row) => sum + row.transactions, 0));
  $('today-total').textContent = money(todayTotal);
  $('all-count').textContent = integer(snapshot.allTime.reduce((sum, row) => sum + row.transactions, 0));
  $('by-store-total').textContent = money(allTotal);
  $('by-store-total').dataset.value = allTotal;

  fillRows($('by-category').tBodies[0], today.byCategory, (row) => [
    cell(row.category),
    cell(integer(row.lines), 'num'),
    cell(money(row.net_sales), 'num'),
  ]);
  fillRows($('payment-mix').tBodies[0], today.paymentMix, (row) => [
    cell(row.card_brand ? `${row.method} (${row.card_brand})` : row.method),
    cell(integer(row.transactions), 'num'),
    cell(money(row.total), 'num'),
    cell(percent(row.share), 'num'),
  ]);
  const returns = today.returns;
  $('returns').textContent =
    `${integer(returns.returns)} returns for ${integer(returns.sales)} sales (${percent(returns.return_rate)}), ` +
    `${money(returns.refunded)} refunded.`;

  drawLowStock(snapshot.lowStock);

  $('no-dead-letters').hidden = snapshot.deadLetters.length > 0;
  fillRows($('dead-letter-list').tBodies[0], snapshot.deadLetters, (letter) => {
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.textContent = 'Copy command';
    copy.setAttribute('aria-label', `Copy the command that shows dead letter ${letter.id}`);
    copy.addEventListener('click', () => navigator.clipboard?.writeText(`npx pos dead-letters show ${letter.id}`));
    const show = document.createElement('td');
    show.append(copy);
    return [
      cell(letter.id),
      cell(new Date(letter.created_at).toLocaleTimeString()),
      cell(letter.error_code),
      cell(letter.error_detail),
      cell(letter.topic === null ? '—' : `${letter.topic}[${letter.partition}]@${letter.offset}`),
      show,
    ];
  });
}

/** The low-stock tile and table; `lowStock` is null when no inventory message has landed. */
function drawLowStock(lowStock) {
  const tracked = lowStock !== null && lowStock !== undefined;
  $('out-of-stock').textContent = tracked ? integer(lowStock.outOfStock) : '—';
  $('out-of-stock').dataset.value = tracked ? String(lowStock.outOfStock) : '';
  $('out-of-stock').dataset.state = tracked && lowStock.outOfStock > 0 ? 'out' : '';
  $('under-two-days').textContent = tracked
    ? `out of stock; ${integer(lowStock.underTwoDays)} more under 2 days of cover`
    : 'stock not tracked';
  $('under-two-days').dataset.value = tracked ? String(lowStock.underTwoDays) : '';
  $('no-stock').hidden = tracked;
  fillRows($('low-stock').tBodies[0], tracked ? lowStock.lowest : [], (row) => [
    cell(row.store_id),
    cell(row.sku),
    cell(row.name ?? ''),
    cell(quantity(row.on_hand), 'num'),
    cell(row.sold_per_day ?? '—', 'num'),
    cell(row.days_of_cover === null ? '∞' : row.days_of_cover, 'num'),
  ]);
}

function setState(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
  document.body.classList.toggle('disconnected', state !== 'connected');
}

// EventSource reconnects by itself (the server asks for a retry after 1 s).
const events = new EventSource('/events');
events.addEventListener('open', () => setState('connected', 'Live'));
events.addEventListener('error', () => setState('disconnected', 'Disconnected: reconnecting…'));
events.addEventListener('message', (event) => {
  setState('connected', 'Live');
  draw(JSON.parse(event.data));
});
