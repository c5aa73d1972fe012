// Placeholder: replaced by the DynamoDB Local installer.
