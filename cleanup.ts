import { withAdmin } from './src/kafka/admin.ts';

await withAdmin(['127.0.0.1:9092'], async (admin) => {
  const t = (await admin.listTopics()).filter((n) => !n.startsWith('PointOfSale') && !n.startsWith('__'));
  if (t.length) await admin.deleteTopics({ topics: t });
  console.log('deleted', t.length);
});
