//! vCard (in progress)
