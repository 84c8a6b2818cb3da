/**
 * The trust policy the EKS documentation gives a Pod Identity role, as a whole document, and the two actions it
 * allows. Constants only, so the catalogue (loaded by every CLI command) does not load the trust evaluator.
 */
export const POD_IDENTITY_SERVICE_PRINCIPAL = 'pods.eks.amazonaws.com';
export const ASSUME_ROLE = 'sts:AssumeRole';
export const TAG_SESSION = 'sts:TagSession';

export const POD_IDENTITY_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: POD_IDENTITY_SERVICE_PRINCIPAL },
      Action: [ASSUME_ROLE, TAG_SESSION],
    },
  ],
} as const;
