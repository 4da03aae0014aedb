/**
 * How `aws cloudformation deploy` hands CloudFormation a template: up to INLINE_TEMPLATE_LIMIT bytes in
 * the request itself (TemplateBody), anything larger only through an S3 bucket it uploads to first
 * (`--s3-bucket`; without one the AWS CLI refuses before any request: "Templates with a size greater
 * than 51,200 bytes must be deployed via an S3 Bucket").
 */
export const INLINE_TEMPLATE_LIMIT = 51_200;

/** What a generated command says where the user names the bucket `deploy` uploads the template to. */
export const TEMPLATE_BUCKET_PLACEHOLDER = '<a bucket you own>';

/** The template's size in bytes, as the AWS CLI measures the file. */
export const templateBytes = (body: string): number => new TextEncoder().encode(body).length;

/** Whether `deploy` must upload this template to S3 (`--s3-bucket`): it is too large to send inline. */
export const needsTemplateBucket = (body: string): boolean => templateBytes(body) > INLINE_TEMPLATE_LIMIT;

/** Why `deploy` needs a bucket for this template ("61,243 bytes, more than …"), or undefined: it fits inline. */
export function tooLargeInline(body: string): string | undefined {
  const size = (n: number) => n.toLocaleString('en-US');
  return needsTemplateBucket(body)
    ? `${size(templateBytes(body))} bytes, more than the ${size(INLINE_TEMPLATE_LIMIT)} CloudFormation takes inline`
    : undefined;
}
