(doc) => (doc && !window.confirm('Delete this report from the index? Answers will no longer cite it.')) ? null : doc
