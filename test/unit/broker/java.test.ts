import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJavaMajorVersion } from '../../../src/broker/java.ts';

test('reads the major version from `java -version`, old and new style', () => {
  assert.equal(parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment'), 17);
  assert.equal(parseJavaMajorVersion('openjdk version "21" 2023-09-19'), 21);
  assert.equal(parseJavaMajorVersion('java version "1.8.0_392"'), 8);
  assert.equal(parseJavaMajorVersion('command not found'), undefined);
});
