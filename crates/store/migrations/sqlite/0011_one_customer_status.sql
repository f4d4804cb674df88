-- Customer status is one fact (issue 19): winning a deal used to move an account's stage to
-- customer and leave its relationship at prospect. Since then the stage rules write both
-- together; this brings rows written before in step with their stage.
UPDATE accounts SET relationship = 'customer' WHERE stage = 'customer' AND relationship <> 'customer';
UPDATE accounts SET relationship = 'former_customer' WHERE stage = 'former_customer' AND relationship <> 'former_customer';
