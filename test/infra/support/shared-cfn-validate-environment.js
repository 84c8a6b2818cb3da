/**
 * The infra tier's test environment: jest's node environment plus one `@aws/cloudformation-validate` per worker
 * process, shared by the test files that worker runs (see shared-cfn-validate.js for why).
 *
 * This file is loaded with Node's own require, whose cache lives as long as the worker: the validator and the engines
 * built below survive from one test file to the next, while everything else keeps jest's per-file isolation.
 */
const { createHash } = require('node:crypto');
const { TestEnvironment } = require('jest-environment-node');

const REAL_PACKAGE = require.resolve('@aws/cloudformation-validate', {
  paths: [require.resolve('aws-cdk-lib')],
});

let shared;

/**
 * The package accepts plain objects only, and an object made in a test file is not one to it: jest runs each file in
 * its own realm, whose Object.prototype differs from this worker's. structuredClone, called here, copies the value
 * into this realm, unchanged.
 */
const inThisRealm = (value) => (value === undefined ? undefined : structuredClone(value));

/**
 * The real package, with `CompositeEngine` built once per configuration (the rules it is given and their text):
 * aws-cdk-lib builds one per synth run for the resource types the templates hold and frees it when done, so the
 * stand-in keeps each engine and makes `free()` a no-op.
 */
function sharedPackage() {
  if (shared !== undefined) return shared;
  const real = require(REAL_PACKAGE);
  const engines = new Map();
  const reports = new Map();
  let validations = 0;
  class SharedCompositeEngine {
    constructor(config) {
      const key = JSON.stringify(config ?? {});
      let engine = engines.get(key);
      if (engine === undefined) {
        engine = new real.CompositeEngine(inThisRealm(config));
        engines.set(key, engine);
      }
      this.engine = engine;
      this.key = key;
    }
    /**
     * The same template (its text), validated by the same engine with the same options, gets the same report: the
     * test files of a worker synthesize the default stack and a few others over and again, and each template is
     * validated once per worker. The template's file name is left out of the key: it is a synth's own temporary
     * directory, and aws-cdk-lib reports violations by the path it already knows, not the report's.
     */
    validateTemplate(template, config) {
      const content = typeof template?.content === 'string' ? template.content : undefined;
      if (content === undefined) return this.engine.validateTemplate(template, inThisRealm(config));
      const key = createHash('sha256')
        .update(this.key)
        .update('\0')
        .update(JSON.stringify(config ?? {}))
        .update('\0')
        .update(content)
        .digest('hex');
      let report = reports.get(key);
      if (report === undefined) {
        validations += 1;
        report = this.engine.validateTemplate(template, inThisRealm(config));
        reports.set(key, report);
      }
      return report;
    }
    validateStandard(template, config) {
      return this.engine.validateStandard(template, inThisRealm(config));
    }
    validateDetailed(template, config) {
      return this.engine.validateDetailed(template, inThisRealm(config));
    }
    validateAwsCliCommand(request) {
      return this.engine.validateAwsCliCommand(request);
    }
    listRules() {
      return this.engine.listRules();
    }
    engineName() {
      return this.engine.engineName();
    }
    /** Kept for the next synth (in this or a later test file); the worker's exit frees it. */
    free() {}
  }
  shared = {
    ...real,
    CompositeEngine: SharedCompositeEngine,
    /** How many templates this worker's engines have validated, and how many reports they hold (the tests' own check). */
    stats: () => ({ validations, reports: reports.size }),
  };
  return shared;
}

class SharedCloudFormationValidateEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__tmcSharedCloudFormationValidate = sharedPackage();
  }
}

module.exports = SharedCloudFormationValidateEnvironment;
