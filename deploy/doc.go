// Package deploy holds the Serverless Devs deployment's companions: the fc3
// component's props schema (fc3-props.schema.json), the stricter schema for
// the EventBridge trigger parameters fc3 leaves open
// (eventbridge-trigger.schema.json), the function role's RAM policy
// (ram-policy.json, a template over s.yaml's vars) and trust policy
// (trust-policy.json), and deploy_test.go, which validates ../s.yaml against
// all of them and against what the function reads. See docs/deployment.md.
package deploy
