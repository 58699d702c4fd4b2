//! Capacity, cost and posture views of a cloudctl spec: pure functions of the spec (and, later, of
//! observed facts). No IO, no formatting beyond plain data.
