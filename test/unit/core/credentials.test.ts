import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CredentialsError, credentialsResolver, secretLocation } from "../../../lib/genesys/credentials.ts";

describe("secretLocation", () => {
  it("ssm:/path and SSM parameter ARNs are SSM; names and other ARNs are Secrets Manager", () => {
    assert.deepEqual(secretLocation("ssm:/genesys/prod"), { store: "ssm", id: "/genesys/prod" });
    const ssmArn = "arn:aws:ssm:eu-west-1:111122223333:parameter/genesys/prod";
    assert.deepEqual(secretLocation(ssmArn), { store: "ssm", id: ssmArn });
    assert.deepEqual(secretLocation("genesys/prod"), { store: "secretsmanager", id: "genesys/prod" });
    const smArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:genesys-AbCdEf";
    assert.deepEqual(secretLocation(smArn), { store: "secretsmanager", id: smArn });
  });
});

describe("credentialsResolver", () => {
  it("inline credentials need no secret read", async () => {
    const resolve = credentialsResolver({ kind: "inline", clientId: "id", clientSecret: "s" }, async () => {
      throw new Error("must not read");
    });
    assert.deepEqual(await resolve(), { clientId: "id", clientSecret: "s" });
  });

  it("reads a JSON string or an object from the secret store, at the right location", async () => {
    const seen: unknown[] = [];
    const fromString = credentialsResolver({ kind: "secret", name: "ssm:/g" }, async (location) => {
      seen.push(location);
      return '{"clientId":"a","clientSecret":"b"}';
    });
    assert.deepEqual(await fromString(), { clientId: "a", clientSecret: "b" });
    assert.deepEqual(seen, [{ store: "ssm", id: "/g" }]);
    const fromObject = credentialsResolver({ kind: "secret", name: "g" }, async () => ({
      clientId: "c",
      clientSecret: "d",
    }));
    assert.deepEqual(await fromObject(), { clientId: "c", clientSecret: "d" });
  });

  it("a malformed secret is a CredentialsError that names the secret and never echoes its value", async () => {
    for (const value of ["not json s3cr3t", '{"clientId":"a"}', '{"clientId":"","clientSecret":"s3cr3t"}']) {
      const resolve = credentialsResolver({ kind: "secret", name: "genesys/prod" }, async () => value);
      await assert.rejects(resolve(), (error: Error) => {
        assert.ok(error instanceof CredentialsError);
        assert.match(error.message, /genesys\/prod/);
        assert.doesNotMatch(error.message, /s3cr3t/);
        return true;
      });
    }
  });
});
