(chosen, saved, current) => [(chosen && !window.confirm('Delete this saved conversation from this browser?')) ? null : chosen, saved, current]
