/** The topic where the dead letters of `topic` are published, beside their table. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.DLQ`;
}
