import { describe, expect, test } from "bun:test";
import { scanTerraform } from "../../../src/policy/terraform-scan.ts";

describe("scanTerraform", () => {
  test.each([
    ['data "external" "x" {\n  program = ["sh", "-c", "id"]\n}', 'data "external"'],
    [
      'resource "null_resource" "r" {\n  provisioner "local-exec" {\n    command = "id"\n  }\n}',
      "local-exec",
    ],
    ['{"data": {"external": {"x": {"program": ["id"]}}}}', '"external"'],
    [
      '{"resource": {"null_resource": {"r": {"provisioner": [{"local-exec": {"command": "id"}}]}}}}',
      '"local-exec"',
    ],
  ])("finds a construct that runs a program on the host: %s", (text, construct) => {
    expect(scanTerraform([{ name: "main.tf", text }])?.construct).toContain(construct);
  });

  test("reports the file and line", () => {
    const finding = scanTerraform([
      { name: "a.tf", text: 'resource "aws_s3_bucket" "b" {}\n' },
      { name: "b.tf", text: '\n\ndata "external" "x" {}\n' },
    ]);
    expect(finding).toEqual({ file: "b.tf", line: 3, construct: expect.stringContaining("external") });
  });

  test("ordinary configurations and comments pass", () => {
    const text =
      '# data "external" is not used here\nresource "aws_s3_bucket" "b" { bucket = "x" }\ndata "aws_caller_identity" "me" {}\n';
    expect(scanTerraform([{ name: "main.tf", text }])).toBeUndefined();
  });
});
